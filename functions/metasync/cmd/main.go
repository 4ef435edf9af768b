// Command metasync serves the metasync function (FUNCTION_TARGET=Sync) on PORT
// with the probes and /metrics beside it, as its Cloud Run service does.
package main

import (
	"context"
	"os"

	"github.com/rydlrcs/mixamo-blend-pipeline/functions/metasync"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/app"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/bq"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/elastic"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/gcs"
)

func main() {
	os.Exit(app.Exit("metasync", app.RunService(context.Background(), app.Service{
		Name: "metasync", Target: metasync.Target, Fn: metasync.Service,
		Needs: app.Needs{Library: true, Catalog: true},
		Open:  app.Adapters{Storage: gcs.Connect, Catalog: bq.OpenCatalog, Search: elastic.Open}.Open,
	})))
}
