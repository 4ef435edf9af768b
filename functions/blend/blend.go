// Package blend is the blend service: the HTTP API of package httpapi
// (POST /blend, GET /blends, GET /blends/{name}) and, on the same port, the
// Eventarc events of the library bucket, of which it runs the batch
// manifests under jobs/ and ignores the rest, its own result files included.
package blend

import (
	"log/slog"
	"net/http"

	"github.com/GoogleCloudPlatform/functions-framework-go/functions"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/app"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/bq"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/elastic"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/eventarc"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/gcs"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/httpapi"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/metrics"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
)

// Target is the FUNCTION_TARGET that selects this function.
const Target = "Blend"

// The pipeline is built by internal/app on the first request, from the
// environment of the process serving the function (app.Function).
func init() {
	functions.HTTP(Target, app.NewFunction(app.Service{
		Name: "blend", Target: Target, Fn: Service,
		Needs: app.Needs{Library: true, Catalog: true, CatalogReads: true},
		Open: app.Adapters{Storage: gcs.Connect, Catalog: bq.OpenCatalog, Search: elastic.Open,
			Kubernetes: kubernetes, CloudRunJobs: cloudRunJobs}.Open,
	}).ServeHTTP)
}

// Service is the handler the function serves at "/", beside the probes and
// /metrics: the API, with its requests counted in m when not nil, and
// CloudEvents (recognised by their ce-* headers or content type) as batch
// triggers, which are not API requests and are not counted there.
func Service(p *pipeline.Pipeline, m *metrics.Metrics, log *slog.Logger) http.Handler {
	api := (&httpapi.API{P: p, Log: log}).Handler()
	if m != nil {
		api = m.BlendAPI(api)
	}
	batch := eventarc.HTTP(eventarc.Batch(p, log))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if eventarc.IsCloudEvent(r.Header) {
			batch.ServeHTTP(w, r)
			return
		}
		api.ServeHTTP(w, r)
	})
}
