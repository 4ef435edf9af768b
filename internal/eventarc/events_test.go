package eventarc_test

import (
	"errors"
	"maps"
	"net/http/httptest"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/eventarc"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// An event as Eventarc delivers it: int64 fields as strings, fields this
// package does not know.
const eventarcData = `{
  "kind": "storage#object",
  "id": "mixamo-uploads/Idle.fbx/1732550000000000",
  "selfLink": "https://www.googleapis.com/storage/v1/b/mixamo-uploads/o/Idle.fbx",
  "name": "Idle.fbx",
  "bucket": "mixamo-uploads",
  "generation": "1732550000000000",
  "metageneration": "1",
  "contentType": "application/octet-stream",
  "timeCreated": "2026-11-25T15:53:20.123Z",
  "updated": "2026-11-25T15:53:20.123Z",
  "storageClass": "STANDARD",
  "timeStorageClassUpdated": "2026-11-25T15:53:20.123Z",
  "size": "1135728",
  "md5Hash": "XUFAKrxLKna5cZ2REBfFkg==",
  "crc32c": "AAAAAQ==",
  "etag": "CIDw4fPq1YkDEAE=",
  "metadata": {"k": "v"},
  "softDeleteTime": "2026-12-02T15:53:20.123Z",
  "hardDeleteTime": "2027-01-01T00:00:00Z"
}`

func TestDecodeEventarcPayload(t *testing.T) {
	t.Parallel()
	ce := cloudevents.NewEvent()
	ce.SetID("1")
	ce.SetType(string(storage.ObjectFinalized))
	ce.SetSource("//storage.googleapis.com/projects/_/buckets/mixamo-uploads")
	if err := ce.SetData("application/json", []byte(eventarcData)); err != nil {
		t.Fatal(err)
	}
	ev, err := eventarc.Decode(ce)
	if err != nil {
		t.Fatal(err)
	}
	a := ev.Object
	if ev.Type != storage.ObjectFinalized || a.Bucket != "mixamo-uploads" || a.Name != "Idle.fbx" || a.Generation != 1732550000000000 ||
		a.Size != 1135728 || a.Metageneration != 1 || a.Metadata["k"] != "v" || !a.HasCRC32C || a.CRC32C != 1 || len(a.MD5) != 16 ||
		!a.Created.Equal(time.Date(2026, 11, 25, 15, 53, 20, 123e6, time.UTC)) {
		t.Errorf("decoded %+v", ev)
	}
	// Round trip through Encode, as the local router sends it.
	back, err := eventarc.Encode(ev, "2")
	if err != nil {
		t.Fatal(err)
	}
	again, err := eventarc.Decode(back)
	if err != nil {
		t.Fatal(err)
	}
	if again.Object.Name != a.Name || again.Object.Generation != a.Generation || again.Object.CRC32C != a.CRC32C ||
		!maps.Equal(again.Object.Metadata, a.Metadata) || back.Subject() != "objects/Idle.fbx" {
		t.Errorf("round trip %+v", again)
	}

	for _, bad := range []struct{ typ, data string }{
		{"google.cloud.pubsub.topic.v1.messagePublished", eventarcData},
		{"google.cloud.storage.object.v1.restored", eventarcData},
		{string(storage.ObjectFinalized), `{"name": "x"}`},
		{string(storage.ObjectFinalized), `{"bucket": "b", "name": "x", "size": "lots"}`},
		{string(storage.ObjectFinalized), `not json`},
	} {
		ce.SetType(bad.typ)
		ce.SetData("application/json", []byte(bad.data))
		if _, err := eventarc.Decode(ce); !errors.Is(err, eventarc.ErrBadEvent) {
			t.Errorf("Decode(%s, %s) = %v, want ErrBadEvent", bad.typ, bad.data, err)
		}
	}
}

// serve runs the validate, sync and batch event handlers over HTTP.
func serve(t *testing.T, p *pipeline.Pipeline) (validate, sync, batch string) {
	t.Helper()
	log := pipelinetest.Logger(t)
	v := httptest.NewServer(eventarc.HTTP(eventarc.Validate(p, log)))
	s := httptest.NewServer(eventarc.HTTP(eventarc.Sync(p, log)))
	b := httptest.NewServer(eventarc.HTTP(eventarc.Batch(p, log)))
	t.Cleanup(v.Close)
	t.Cleanup(s.Close)
	t.Cleanup(b.Close)
	return v.URL, s.URL, b.URL
}

// servePreview runs the preview handler over HTTP.
func servePreview(t *testing.T, p *pipeline.Pipeline) string {
	t.Helper()
	srv := httptest.NewServer(eventarc.HTTP(eventarc.Preview(p, pipelinetest.Logger(t))))
	t.Cleanup(srv.Close)
	return srv.URL
}

// deliver sends every recorded event to every service, as Eventarc does
// with triggers that cannot filter by prefix, until nothing new happens.
func deliver(t *testing.T, env *pipelinetest.Env, urls ...string) []storage.Event {
	t.Helper()
	var all []storage.Event
	for round := 0; round < 10; round++ {
		evs := env.Events.Take()
		if len(evs) == 0 {
			return all
		}
		all = append(all, evs...)
		for _, ev := range evs {
			for _, u := range urls {
				if code := pipelinetest.Send(t, u, ev); code/100 != 2 {
					t.Fatalf("%s %s -> %s: HTTP %d", ev.Type, ev.Object.Name, u, code)
				}
			}
		}
	}
	t.Fatal("events keep coming: a service triggers itself")
	return nil
}
