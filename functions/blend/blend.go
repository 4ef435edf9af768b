// Package blend is the blend service: the HTTP API of package httpapi
// (POST /blend, GET /blends, GET /blends/{name}) and, on the same port, the
// Eventarc events of the library bucket, of which it runs the batch
// manifests under jobs/ and ignores the rest, its own result files included.
package blend

import (
	"log/slog"
	"net/http"

	"github.com/GoogleCloudPlatform/functions-framework-go/functions"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/eventarc"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/httpapi"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/metrics"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
)

// Target is the FUNCTION_TARGET that selects this function.
const Target = "Blend"

// Handler serves the API, and CloudEvents (recognised by their ce-*
// headers or content type) as batch triggers.
func Handler(p *pipeline.Pipeline, log *slog.Logger) http.Handler {
	return Service(p, nil, log)
}

// Service is Handler with the API's requests counted in m, when not nil;
// batch triggers are not API requests and are not counted there.
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

// Register registers the function with functions-framework-go. p needs the
// Library store and the Catalog.
func Register(p *pipeline.Pipeline, log *slog.Logger) {
	functions.HTTP(Target, Handler(p, log).ServeHTTP)
}
