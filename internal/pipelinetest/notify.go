package pipelinetest

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/pubsub/v2"
	"cloud.google.com/go/pubsub/v2/apiv1/pubsubpb"
	"cloud.google.com/go/pubsub/v2/pstest"
	cloudstorage "cloud.google.com/go/storage"
	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/eventarc"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// notifyProject is the project of the notification topics.
const notifyProject = "test-project"

// PubSubEmulator starts the Pub/Sub emulator of the Pub/Sub client library
// (pstest) in this process and points PUBSUB_EMULATOR_HOST at it, which is
// where fake-gcs-server publishes the notifications of a bucket, as every
// Pub/Sub client of the process then does. Call it from TestMain, before
// any test runs: the variable is read by clients made later, from any
// goroutine. The returned function stops the emulator.
func PubSubEmulator() (stop func(), err error) {
	srv := pstest.NewServer()
	if err := os.Setenv("PUBSUB_EMULATOR_HOST", srv.Addr); err != nil {
		srv.Close()
		return nil, err
	}
	return func() { srv.Close() }, nil
}

// eventTypes maps the eventType attribute of Cloud Storage's Pub/Sub
// notifications to the CloudEvent type Eventarc delivers for it ("Pub/Sub
// notifications for Cloud Storage", event types,
// https://cloud.google.com/storage/docs/pubsub-notifications#events;
// Eventarc's Cloud Storage events,
// https://cloud.google.com/eventarc/docs/reference/supported-events).
var eventTypes = map[string]storage.EventType{
	"OBJECT_FINALIZE":        storage.ObjectFinalized,
	"OBJECT_ARCHIVE":         storage.ObjectArchived,
	"OBJECT_DELETE":          storage.ObjectDeleted,
	"OBJECT_METADATA_UPDATE": storage.ObjectMetadataUpdated,
}

// Notification is one message of a bucket's notifications, as Eventarc
// delivers it: the CloudEvent (its data the JSON_API_V1 payload as
// published, which is Eventarc's StorageObjectData) and what it decodes to.
type Notification struct {
	CloudEvent cloudevents.Event
	Event      storage.Event
}

// Notifier collects the notifications of one bucket of fake-gcs-server.
type Notifier struct {
	mu   sync.Mutex
	got  []Notification
	errs []error
	wake chan struct{}
}

// Notify configures the bucket's Pub/Sub notifications of every event type
// through the real client's notificationConfigs call (what `gcloud storage
// buckets notifications create` does), on a topic of its own on the
// emulator PubSubEmulator started, and collects what fake-gcs-server
// publishes there.
func Notify(t testing.TB, client *cloudstorage.Client, bucket string) *Notifier {
	t.Helper()
	ctx := context.Background()
	ps, err := pubsub.NewClient(ctx, notifyProject)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ps.Close() })
	id := fmt.Sprintf("gcs-%s-%d", bucket, time.Now().UnixNano())
	topic := "projects/" + notifyProject + "/topics/" + id
	if _, err := ps.TopicAdminClient.CreateTopic(ctx, &pubsubpb.Topic{Name: topic}); err != nil {
		t.Fatalf("create topic %s (is PUBSUB_EMULATOR_HOST set by PubSubEmulator?): %v", topic, err)
	}
	sub := "projects/" + notifyProject + "/subscriptions/" + id
	if _, err := ps.SubscriptionAdminClient.CreateSubscription(ctx, &pubsubpb.Subscription{Name: sub, Topic: topic}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Bucket(bucket).AddNotification(ctx, &cloudstorage.Notification{
		TopicProjectID: notifyProject, TopicID: id, PayloadFormat: cloudstorage.JSONPayload,
	}); err != nil {
		t.Fatal(err)
	}
	n := &Notifier{wake: make(chan struct{}, 1)}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		err := ps.Subscriber(sub).Receive(rctx, func(_ context.Context, m *pubsub.Message) {
			m.Ack()
			n.add(m.Attributes, m.Data)
		})
		if err != nil && rctx.Err() == nil {
			n.fail(err)
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	return n
}

// add converts one message as Eventarc does: the CloudEvent's type from
// eventType, its source and subject from the bucket and object, its data
// the payload as published.
func (n *Notifier) add(attrs map[string]string, data []byte) {
	typ, ok := eventTypes[attrs["eventType"]]
	if !ok {
		n.fail(fmt.Errorf("notification of unknown eventType %q", attrs["eventType"]))
		return
	}
	ce := cloudevents.NewEvent()
	ce.SetID(attrs["bucketId"] + "/" + attrs["objectId"] + "/" + attrs["objectGeneration"] + "/" + attrs["eventType"])
	ce.SetType(string(typ))
	ce.SetSource("//storage.googleapis.com/projects/_/buckets/" + attrs["bucketId"])
	ce.SetSubject("objects/" + attrs["objectId"])
	ce.SetTime(time.Now())
	if err := ce.SetData("application/json", data); err != nil {
		n.fail(err)
		return
	}
	ev, err := eventarc.Decode(ce)
	if err != nil {
		n.fail(fmt.Errorf("notification %s: %w", ce.ID(), err))
		return
	}
	n.mu.Lock()
	n.got = append(n.got, Notification{CloudEvent: ce, Event: ev})
	n.mu.Unlock()
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

func (n *Notifier) fail(err error) {
	n.mu.Lock()
	n.errs = append(n.errs, err)
	n.mu.Unlock()
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

// Take waits until count notifications have arrived since the last Take
// (Pub/Sub delivers them in no particular order) and returns them, failing
// the test after 10 s or on a message that is no storage notification.
func (n *Notifier) Take(t testing.TB, count int) []Notification {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		n.mu.Lock()
		errs, got := n.errs, len(n.got)
		n.mu.Unlock()
		if len(errs) > 0 {
			t.Fatalf("notifications: %v", errs)
		}
		if got >= count {
			n.mu.Lock()
			out := n.got
			n.got = nil
			n.mu.Unlock()
			return out
		}
		select {
		case <-n.wake:
		case <-deadline:
			t.Fatalf("%d notifications after 10 s, want %d", got, count)
		}
	}
}

// Pending returns the notifications that arrived since the last Take,
// without waiting.
func (n *Notifier) Pending() []Notification {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.got
}
