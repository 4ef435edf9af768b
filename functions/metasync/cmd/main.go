// Command metasync serves the metasync function (FUNCTION_TARGET=Sync) on PORT
// with the probes and /metrics beside it, as its Cloud Run service does.
package main

import (
	"github.com/rydlrcs/mixamo-blend-pipeline/functions/metasync"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/service"
	// The catalog on BigQuery and the index on Elasticsearch.
	_ "github.com/rydlrcs/mixamo-blend-pipeline/internal/service/cloudcatalog"
)

func main() {
	service.Main("metasync", metasync.Target, service.Needs{Library: true, Catalog: true}, metasync.Service)
}
