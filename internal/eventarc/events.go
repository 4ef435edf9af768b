// Package events adapts Eventarc's Cloud Storage CloudEvents to the
// pipeline: it decodes the StorageObjectData payload, picks out the objects
// each service owns, calls the use case and answers so that Eventarc stops
// or retries. Eventarc cannot filter Cloud Storage events by object prefix,
// so every handler ignores what is not its own, and none acts on what it
// writes itself.
package eventarc

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
	"github.com/googleapis/google-cloudevents-go/cloud/storagedata"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/logs"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// ErrBadEvent means the event is not a Cloud Storage object event this
// package can read. Handlers acknowledge such events: redelivering the same
// bytes cannot help.
var ErrBadEvent = errors.New("not a Cloud Storage object event")

// Decode reads a Cloud Storage CloudEvent of any of the four types Cloud
// Storage sends (storage.EventTypes). Fields Eventarc may add later are
// ignored.
func Decode(ev cloudevents.Event) (storage.Event, error) {
	typ := storage.EventType(ev.Type())
	if !slices.Contains(storage.EventTypes(), typ) {
		return storage.Event{}, fmt.Errorf("%w: type %q, want one of %v", ErrBadEvent, ev.Type(), storage.EventTypes())
	}
	var d storagedata.StorageObjectData
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(ev.Data(), &d); err != nil {
		return storage.Event{}, fmt.Errorf("%w: data: %v", ErrBadEvent, err)
	}
	if d.GetBucket() == "" || d.GetName() == "" {
		return storage.Event{}, fmt.Errorf("%w: data lacks bucket or name", ErrBadEvent)
	}
	a := storage.Attrs{
		Bucket: d.GetBucket(), Name: d.GetName(), Size: d.GetSize(), Generation: d.GetGeneration(),
		Metageneration: d.GetMetageneration(), ContentType: d.GetContentType(), Metadata: d.GetMetadata(),
	}
	if t := d.GetTimeCreated(); t != nil {
		a.Created = t.AsTime()
	}
	if t := d.GetUpdated(); t != nil {
		a.Updated = t.AsTime()
	}
	if s := d.GetMd5Hash(); s != "" {
		if b, err := base64.StdEncoding.DecodeString(s); err == nil {
			a.MD5 = b
		}
	}
	// crc32c is the big-endian checksum in base64, as in the JSON API.
	if b, err := base64.StdEncoding.DecodeString(d.GetCrc32C()); err == nil && len(b) == 4 {
		a.CRC32C, a.HasCRC32C = binary.BigEndian.Uint32(b), true
	}
	return storage.Event{Type: typ, Object: a}, nil
}

// Encode builds the CloudEvent Eventarc sends for ev: the same type, source,
// subject and StorageObjectData payload. The local router posts these.
func Encode(ev storage.Event, id string) (cloudevents.Event, error) {
	a := ev.Object
	d := &storagedata.StorageObjectData{
		Kind: "storage#object", Id: fmt.Sprintf("%s/%s/%d", a.Bucket, a.Name, a.Generation),
		Bucket: a.Bucket, Name: a.Name, Size: a.Size, Generation: a.Generation,
		Metageneration: a.Metageneration, ContentType: a.ContentType, Metadata: a.Metadata,
		StorageClass: "STANDARD",
	}
	if !a.Created.IsZero() {
		d.TimeCreated = timestamppb.New(a.Created)
	}
	if !a.Updated.IsZero() {
		d.Updated = timestamppb.New(a.Updated)
	}
	if a.MD5 != nil {
		d.Md5Hash = base64.StdEncoding.EncodeToString(a.MD5)
	}
	if a.HasCRC32C {
		d.Crc32C = base64.StdEncoding.EncodeToString(binary.BigEndian.AppendUint32(nil, a.CRC32C))
	}
	body, err := protojson.Marshal(d)
	if err != nil {
		return cloudevents.Event{}, err
	}
	ce := cloudevents.NewEvent()
	ce.SetID(id)
	ce.SetType(string(ev.Type))
	ce.SetSource("//storage.googleapis.com/projects/_/buckets/" + a.Bucket)
	ce.SetSubject("objects/" + a.Name)
	ce.SetTime(time.Now())
	if err := ce.SetData("application/json", body); err != nil {
		return cloudevents.Event{}, err
	}
	return ce, nil
}

// Handler is the signature functions-framework-go registers with
// functions.CloudEvent. A nil error acknowledges the event; an error makes
// Eventarc redeliver it.
type Handler = func(context.Context, cloudevents.Event) error

// decode reads ev for a handler: a malformed event is acknowledged and logged.
func decode(ctx context.Context, log *slog.Logger, ev cloudevents.Event) (storage.Event, bool) {
	se, err := Decode(ev)
	if err != nil {
		log.ErrorContext(ctx, "event ignored", "event_id", ev.ID(), "type", ev.Type(), "error", err)
		return storage.Event{}, false
	}
	return se, true
}

// eventContext puts the event's correlation id and trace into ctx: the
// event id, and the trace of its traceparent extension unless the request
// carrying the event had one.
func eventContext(ctx context.Context, ev cloudevents.Event) context.Context {
	id := ev.ID()
	if !logs.ValidID(id) {
		id = logs.NewID()
	}
	ctx = logs.WithCorrelationID(ctx, id)
	if _, ok := logs.TraceFrom(ctx); !ok {
		if tp, ok := ev.Extensions()["traceparent"].(string); ok {
			if t, ok := logs.ParseTraceparent(tp); ok {
				ctx = logs.WithTrace(ctx, t)
			}
		}
	}
	return ctx
}

// objectContext carries on the correlation id an object was written with
// (a blend's request, an upload's uploader), so the lines and rows of the
// events it causes share it; other objects keep the event's.
func objectContext(ctx context.Context, obj storage.Attrs) (context.Context, string) {
	if id := library.CorrelationID(obj.Metadata); logs.ValidID(id) {
		return logs.WithCorrelationID(ctx, id), id
	}
	return ctx, logs.CorrelationID(ctx)
}

// answer turns a use case's error into the handler's: transient failures
// and failures of the pipeline's own dependencies are redelivered; bad input
// cannot get better and is acknowledged.
func answer(ctx context.Context, log *slog.Logger, ev cloudevents.Event, what string, err error) error {
	if err == nil {
		return nil
	}
	switch pipeline.KindOf(err) {
	case pipeline.KindInvalid, pipeline.KindNotFound, pipeline.KindTooLarge, pipeline.KindConflict:
		log.ErrorContext(ctx, what+" failed for good; acknowledged", "event_id", ev.ID(), "error", err)
		return nil
	}
	log.WarnContext(ctx, what+" failed; to be redelivered", "event_id", ev.ID(), "error", err)
	return fmt.Errorf("%s: %w", what, err)
}

// Validate handles finalized objects of the uploads bucket: each becomes a
// seed or a rejection. The seed's picture is the preview service's. An
// upload archived, deleted or given new metadata changes nothing: its seed
// or rejection stands on its own, so those events are acknowledged (and no
// trigger sends them).
func Validate(p *pipeline.Pipeline, log *slog.Logger) Handler {
	return func(ctx context.Context, ev cloudevents.Event) error {
		ctx = eventContext(ctx, ev)
		se, ok := decode(ctx, log, ev)
		if !ok || se.Type != storage.ObjectFinalized {
			return nil
		}
		if se.Object.Bucket != p.Uploads.Bucket() || libraryObject(p, se.Object.Name) {
			return nil
		}
		ctx, corr := objectContext(ctx, se.Object)
		v, err := p.Validate(ctx, se.Object, corr)
		if err == nil {
			log.InfoContext(ctx, "upload validated", "object", se.Object.Name, "generation", se.Object.Generation,
				"status", v.Status, "result", v.Object, "reason", v.Reason, "event_id", ev.ID())
		}
		return answer(ctx, log, ev, "validate "+se.Object.Name, err)
	}
}

// Preview draws the pictures a new seed or blend names
// (pipeline.DrawPreview) on the object's own finalized event, so neither
// the upload's validation nor POST /blend nor a batch waits for them. Its
// service's account may write only pictures.
func Preview(p *pipeline.Pipeline, log *slog.Logger) Handler {
	return func(ctx context.Context, ev cloudevents.Event) error {
		ctx = eventContext(ctx, ev)
		se, ok := decode(ctx, log, ev)
		if !ok || se.Type != storage.ObjectFinalized || se.Object.Bucket != p.Library.Bucket() ||
			!pipeline.NeedsPreview(se.Object) {
			return nil
		}
		ctx, corr := objectContext(ctx, se.Object)
		_, err := p.DrawPreview(ctx, se.Object, corr)
		return answer(ctx, log, ev, "preview of "+se.Object.Name, err)
	}
}

// libraryObject reports whether name is the library's own when one bucket
// serves as both uploads and library: validating seeds or rejections again
// would write forever.
func libraryObject(p *pipeline.Pipeline, name string) bool {
	if p.Library == nil || p.Library.Bucket() != p.Uploads.Bucket() {
		return false
	}
	return library.IsOwn(name)
}

// Sync handles every event type of the library bucket's seeds and blends:
// finalized and metadataUpdated append the generation's row, archived and
// deleted its end (pipeline.Sync says why that leaves the catalogue
// matching the bucket, with versioning or without).
func Sync(p *pipeline.Pipeline, log *slog.Logger) Handler {
	return func(ctx context.Context, ev cloudevents.Event) error {
		ctx = eventContext(ctx, ev)
		se, ok := decode(ctx, log, ev)
		if !ok || se.Object.Bucket != p.Library.Bucket() || !library.IsCatalogued(se.Object.Name) {
			return nil
		}
		ctx, corr := objectContext(ctx, se.Object)
		_, err := p.Sync(ctx, se, corr)
		return answer(ctx, log, ev, "sync "+se.Object.Name, err)
	}
}

// Batch handles finalized manifests under jobs/ of the library bucket. The
// result files it writes there end in .result.json and are not manifests.
func Batch(p *pipeline.Pipeline, log *slog.Logger) Handler {
	return func(ctx context.Context, ev cloudevents.Event) error {
		ctx = eventContext(ctx, ev)
		se, ok := decode(ctx, log, ev)
		if !ok || se.Type != storage.ObjectFinalized || se.Object.Bucket != p.Library.Bucket() {
			return nil
		}
		if !library.IsManifest(se.Object.Name) {
			return nil
		}
		ctx, corr := objectContext(ctx, se.Object)
		_, err := p.Batch(ctx, se.Object, corr)
		return answer(ctx, log, ev, "batch "+se.Object.Name, err)
	}
}

// IsCloudEvent reports whether an HTTP request carries a CloudEvent, in
// binary mode (ce-* headers) or structured mode.
func IsCloudEvent(h interface{ Get(string) string }) bool {
	return h.Get("Ce-Specversion") != "" || strings.HasPrefix(h.Get("Content-Type"), "application/cloudevents")
}

// HTTP serves a CloudEvent handler over HTTP without functions-framework-go,
// for a service that takes events and API calls on one port and for the
// local pipeline: 204 acknowledges, 500 asks for redelivery, 400 answers a
// request that is no CloudEvent.
func HTTP(h Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ev, err := cehttp.NewEventFromHTTPRequest(r)
		if err != nil {
			http.Error(w, "not a CloudEvent: "+err.Error(), http.StatusBadRequest)
			return
		}
		if logs.ValidID(ev.ID()) {
			w.Header().Set(logs.HeaderCorrelationID, ev.ID())
		}
		if err := h(r.Context(), *ev); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}
