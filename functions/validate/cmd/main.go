// Command validate serves the validate function (FUNCTION_TARGET=Validate) on PORT
// with the probes and /metrics beside it, as its Cloud Run service does.
package main

import (
	"context"
	"os"

	"github.com/rydlrcs/mixamo-blend-pipeline/functions/validate"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/app"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/gcs"
)

func main() {
	os.Exit(app.Exit("validate", app.RunService(context.Background(), app.Service{
		Name: "validate", Target: validate.Target, Fn: validate.Service,
		Needs: app.Needs{Uploads: true, Library: true},
		// Cloud Storage only: validate links no BigQuery or Elasticsearch client.
		Open: app.Adapters{Storage: gcs.Connect}.Open,
	})))
}
