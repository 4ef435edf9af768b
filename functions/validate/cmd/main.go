// Command validate serves the validate function (FUNCTION_TARGET=Validate) on PORT
// with the probes and /metrics beside it, as its Cloud Run service does.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/rydlrcs/mixamo-blend-pipeline/functions/validate"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/app"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/gcs"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	err := app.RunService(ctx, app.Service{
		Name: "validate", Target: validate.Target, Fn: validate.Service,
		Needs: app.Needs{Uploads: true, Library: true},
		// Cloud Storage only: validate links no BigQuery or Elasticsearch client.
		Open: app.Adapters{Storage: gcs.Connect}.Open,
	})
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "validate: %v\n", err)
		os.Exit(app.ExitCode(err))
	}
}
