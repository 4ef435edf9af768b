// Package preview is the preview service: Eventarc sends it the
// google.cloud.storage.object.v1.finalized events of the library bucket, and
// it draws the pictures each new seed or blend names (a contact sheet, and
// for a blend its metrics over time) and writes them beside it. Its service account may
// write only *.png objects, so drawing untrusted clips can touch nothing
// else.
//
// Answers: 2xx once the pictures are written or the object ignored; 5xx for
// transient storage failures, so Eventarc redelivers (the pictures are
// create-only: a redelivery draws nothing).
package preview

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
const Target = "Preview"

// The pipeline is built by internal/app on the first request, from the
// environment of the process serving the function (app.Function).
func init() {
	functions.HTTP(Target, app.NewFunction(app.Service{
		Name: "preview", Target: Target, Fn: Service,
		Needs: app.Needs{Library: true},
		// Cloud Storage only: the pictures need no catalog.
		Open: app.Adapters{Storage: gcs.Connect}.Open,
	}).ServeHTTP)
}

// Service is the handler the function serves at "/", beside the probes and
// /metrics: the CloudEvents of the library bucket. m is unused: the storage
// metrics count the pictures' writes.
func Service(p *pipeline.Pipeline, _ *metrics.Metrics, log *slog.Logger) http.Handler {
	return eventarc.HTTP(eventarc.Preview(p, log))
}
