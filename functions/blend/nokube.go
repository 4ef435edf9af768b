//go:build nokube

package blend

import (
	"context"
	"log/slog"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
)

// kubernetes is not linked in a build without the Kubernetes client (-tags
// nokube): app.Adapters refuses BATCH_RUNNER=gke, naming the variable.
var kubernetes func(context.Context, *slog.Logger) (pipeline.JobStarter, error)
