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

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/app"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/eventarc"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/gcs"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/metrics"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
)

// Target is the FUNCTION_TARGET that selects this function.
const Target = "Validate"

// The pipeline is built by internal/app on the first request, from the
// environment of the process serving the function (app.Function).
func init() {
	functions.HTTP(Target, app.NewFunction(app.Service{
		Name: "validate", Target: Target, Fn: Service,
		Needs: app.Needs{Uploads: true, Library: true},
		// Cloud Storage only: validate links no BigQuery or Elasticsearch client.
		Open: app.Adapters{Storage: gcs.Connect}.Open,
	}).ServeHTTP)
}

// Service is the handler the function serves at "/", beside the probes and
// /metrics: the CloudEvents of the uploads bucket. m is unused: the
// pipeline's observer already counts the outcomes.
func Service(p *pipeline.Pipeline, _ *metrics.Metrics, log *slog.Logger) http.Handler {
	return eventarc.HTTP(eventarc.Validate(p, log))
}
