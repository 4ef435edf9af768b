// Command preview serves the preview function (FUNCTION_TARGET=Preview) on
// PORT with the probes and /metrics beside it, as its Cloud Run service does.
package main

import (
	"context"
	"os"

	"github.com/rydlrcs/mixamo-blend-pipeline/functions/preview"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/app"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/gcs"
)

func main() {
	os.Exit(app.Exit("preview", app.RunService(context.Background(), app.Service{
		Name: "preview", Target: preview.Target, Fn: preview.Service,
		Needs: app.Needs{Library: true},
		// Cloud Storage only: the pictures need no catalog.
		Open: app.Adapters{Storage: gcs.Connect}.Open,
	})))
}
