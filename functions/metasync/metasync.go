// Package metasync is the metadata sync service: Eventarc sends it the
// finalized and deleted events of the library bucket, and it appends one
// catalog row per seed or blend generation. Everything else in the bucket
// (jobs/, rejected/, previews, reason files) is ignored.
//
// Answers: 2xx once the row is appended or the object ignored; 5xx when the
// catalog is down, so Eventarc redelivers (rows are append-only and
// duplicates collapse, so redelivery is safe).
package metasync

import (
	"log/slog"
	"net/http"

	"github.com/GoogleCloudPlatform/functions-framework-go/functions"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/app"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/bq"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/elastic"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/eventarc"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/gcs"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/metrics"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
)

// Target is the FUNCTION_TARGET that selects this function.
const Target = "Sync"

// The pipeline is built by internal/app on the first request, from the
// environment of the process serving the function (app.Function).
func init() {
	functions.HTTP(Target, app.NewFunction(app.Service{
		Name: "metasync", Target: Target, Fn: Service,
		Needs: app.Needs{Library: true, Catalog: true},
		Open:  app.Adapters{Storage: gcs.Connect, Catalog: bq.OpenCatalog, Search: elastic.Open}.Open,
	}).ServeHTTP)
}

// Service is the handler the function serves at "/", beside the probes and
// /metrics: the CloudEvents of the library bucket. m is unused: the
// pipeline's observer already counts the outcomes.
func Service(p *pipeline.Pipeline, _ *metrics.Metrics, log *slog.Logger) http.Handler {
	return eventarc.HTTP(eventarc.Sync(p, log))
}
