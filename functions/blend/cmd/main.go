// Command blend serves the blend function (FUNCTION_TARGET=Blend) on PORT
// with the probes and /metrics beside it, as its Cloud Run service does.
package main

import (
	"context"
	"os"

	"github.com/rydlrcs/mixamo-blend-pipeline/functions/blend"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/app"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/bq"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/elastic"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/gcs"
)

func main() {
	os.Exit(app.Exit("blend", app.RunService(context.Background(), app.Service{
		Name: "blend", Target: blend.Target, Fn: blend.Service,
		Needs: app.Needs{Library: true, Catalog: true, CatalogReads: true},
		Open: app.Adapters{Storage: gcs.Connect, Catalog: bq.OpenCatalog, Search: elastic.Open,
			Sharder: sharder}.Open,
	})))
}
