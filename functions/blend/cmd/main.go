// Command blend serves the blend function (FUNCTION_TARGET=Blend) on PORT
// with the probes and /metrics beside it, as its Cloud Run service does.
package main

import (
	"github.com/rydlrcs/mixamo-blend-pipeline/functions/blend"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/service"
	// The catalog on BigQuery and the index on Elasticsearch.
	_ "github.com/rydlrcs/mixamo-blend-pipeline/internal/service/cloudcatalog"
)

func main() {
	service.Main("blend", blend.Target, service.Needs{Library: true, Catalog: true}, withShards(blend.Service))
}
