package eventarc

import (
	"slices"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// The buckets a trigger listens on, by role.
const (
	Uploads = "uploads"
	Library = "library"
)

// The services events are delivered to.
const (
	ValidateService = "validate"
	MetasyncService = "metasync"
	BlendService    = "blend"
	PreviewService  = "preview"
)

// Trigger is one Eventarc trigger: events of one type from one bucket, to
// one service. Eventarc gives each trigger a subscription of its own, so
// each trigger is delivered (and redelivered) independently of the others,
// and filters only by event type and bucket: each service checks the object
// name itself.
type Trigger struct {
	// Name is the trigger's key in terraform, <bucket>-<event>-<service>
	// in lower case: Eventarc trigger ids take only lower-case letters,
	// digits and hyphens.
	Name    string
	Bucket  string // Uploads or Library
	Type    storage.EventType
	Service string
}

// Triggers is the routing table of the pipeline: terraform declares exactly
// these (a test reads terraform/modules/stack/eventarc.tf), and the local
// router and the fault proof's Eventarc stand-in deliver by it.
//
// Both buckets keep versions, so Cloud Storage sends all four event types
// from each (storage.EventTypes); a trigger exists where a service acts.
// The catalogue follows every change of a live seed or blend: finalized,
// archived (deleted or overwritten while versioning keeps it), deleted
// (removed for good) and metadataUpdated. Validate acts on new uploads
// only, blend on new manifests and preview on new seeds and blends; an
// upload archived, deleted or relabelled changes nothing that was made
// from it.
func Triggers() []Trigger {
	return []Trigger{
		{"uploads-finalized-validate", Uploads, storage.ObjectFinalized, ValidateService},
		{"library-finalized-metasync", Library, storage.ObjectFinalized, MetasyncService},
		{"library-archived-metasync", Library, storage.ObjectArchived, MetasyncService},
		{"library-deleted-metasync", Library, storage.ObjectDeleted, MetasyncService},
		{"library-metadataupdated-metasync", Library, storage.ObjectMetadataUpdated, MetasyncService},
		{"library-finalized-blend", Library, storage.ObjectFinalized, BlendService},
		{"library-finalized-preview", Library, storage.ObjectFinalized, PreviewService},
	}
}

// Services are the services that receive events, in the table's order.
func Services() []string {
	var out []string
	for _, t := range Triggers() {
		if !slices.Contains(out, t.Service) {
			out = append(out, t.Service)
		}
	}
	return out
}

// Route lists the triggers an event of type typ in the bucket of role
// bucket is delivered through.
func Route(bucket string, typ storage.EventType) []Trigger {
	var out []Trigger
	for _, t := range Triggers() {
		if t.Bucket == bucket && t.Type == typ {
			out = append(out, t)
		}
	}
	return out
}
