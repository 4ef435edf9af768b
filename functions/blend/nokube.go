//go:build nokube

package blend

import (
	"context"
	"errors"
	"log/slog"
	"os"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
)

// sharder refuses a Kubernetes configuration in a build without the
// Kubernetes client (-tags nokube), rather than running heavy batches here.
func sharder(context.Context, *slog.Logger) (*pipeline.Sharder, error) {
	if os.Getenv("K8S_WORKER_IMAGE") != "" {
		return nil, errors.New("K8S_WORKER_IMAGE is set, but this build has no Kubernetes client (built with -tags nokube)")
	}
	return nil, nil
}
