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

	"github.com/GoogleCloudPlatform/functions-framework-go/functions"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline/events"
)

// Target is the FUNCTION_TARGET that selects this function.
const Target = "Validate"

// Register registers the function with functions-framework-go. p needs the
// Uploads and Library stores.
func Register(p *pipeline.Pipeline, log *slog.Logger) {
	functions.CloudEvent(Target, events.Validate(p, log))
}
