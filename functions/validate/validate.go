// Package validate is the validate service: Eventarc sends it the
// google.cloud.storage.object.v1.finalized events of the uploads bucket, and
// it files each upload as a seed of the library or records its rejection.
//
// Answers: 2xx for every final outcome (seeded, already seeded, rejected,
// ignored), so Eventarc stops; 5xx for transient storage failures, so
// Eventarc redelivers.
package validate

import (
	"log/slog"
	"net/http"

	"github.com/GoogleCloudPlatform/functions-framework-go/functions"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/eventarc"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/metrics"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
)

// Target is the FUNCTION_TARGET that selects this function.
const Target = "Validate"

// Register registers the function with functions-framework-go. p needs the
// Uploads and Library stores.
func Register(p *pipeline.Pipeline, log *slog.Logger) {
	functions.CloudEvent(Target, eventarc.Validate(p, log))
}

// Service is the handler the service's main serves at "/": the same
// function over HTTP, answering 204 where functions-framework-go answers
// 200. m is unused: the pipeline's observer already counts the outcomes.
func Service(p *pipeline.Pipeline, _ *metrics.Metrics, log *slog.Logger) http.Handler {
	return eventarc.HTTP(eventarc.Validate(p, log))
}
