package job

import (
	"errors"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/blend"
)

func asOptionError(err error, target **blend.OptionError) bool { return errors.As(err, target) }
