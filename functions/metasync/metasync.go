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

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/eventarc"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/metrics"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
)

// Target is the FUNCTION_TARGET that selects this function.
const Target = "Sync"

// Register registers the function with functions-framework-go. p needs the
// Library store and the Catalog.
func Register(p *pipeline.Pipeline, log *slog.Logger) {
	functions.CloudEvent(Target, eventarc.Sync(p, log))
}

// Service is the handler the service's main serves at "/": the same
// function over HTTP, answering 204 where functions-framework-go answers
// 200. m is unused: the pipeline's observer already counts the outcomes.
func Service(p *pipeline.Pipeline, _ *metrics.Metrics, log *slog.Logger) http.Handler {
	return eventarc.HTTP(eventarc.Sync(p, log))
}
