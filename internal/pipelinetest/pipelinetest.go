// Package pipelinetest sets up the pipeline on real local parts for the
// services' tests: the object store on fake-gcs-server (through the real
// Cloud Storage client) or on a local directory, the catalog on SQLite, and
// CloudEvents sent with the CloudEvents SDK in binary mode, as Eventarc
// sends them.
package pipelinetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"

	"testing"
	"time"

	cloudstorage "cloud.google.com/go/storage"
	cloudevents "github.com/cloudevents/sdk-go/v2"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
	"github.com/fsouza/fake-gcs-server/fakestorage"
	"google.golang.org/api/option"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/corpus"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/eventarc"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/gcs"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/localdir"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/sqlite"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// Backends are the object stores the services run on.
var Backends = []string{"gcs", "localdir"}

// Env is a pipeline on local parts and the events its buckets report.
type Env struct {
	P *pipeline.Pipeline
	// Events collects the changes of both buckets: the localdir stores
	// report them; for GCS, Put and Delete here record them as Eventarc
	// would deliver them.
	Events *Recorder
}

// New returns a pipeline whose uploads and library buckets live on backend
// ("gcs" or "localdir") and whose catalog is a SQLite file.
func New(t testing.TB, backend string) *Env {
	t.Helper()
	rec := &Recorder{}
	p := &pipeline.Pipeline{MaxFileSize: 500 << 20, Workers: 2, Log: Logger(t)}
	switch backend {
	case "localdir":
		dir := t.TempDir()
		var err error
		opts := localdir.Options{NoSync: true, OnChange: rec.Record}
		if p.Uploads, err = localdir.Open(filepath.Join(dir, "uploads"), opts); err != nil {
			t.Fatal(err)
		}
		if p.Library, err = localdir.Open(filepath.Join(dir, "library"), opts); err != nil {
			t.Fatal(err)
		}
	case "gcs":
		client, host := fakeGCS(t, "uploads", "library")
		// Signed with a key of the test's own, as a service account key
		// would, and pointed at the emulator.
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			t.Fatal(err)
		}
		opts := gcs.Options{
			GoogleAccessID: "pipeline@test-project.iam.gserviceaccount.com",
			PrivateKey:     pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}),
			SignedURLHost:  host, SignedURLInsecure: true,
		}
		p.Uploads = &recording{Store: gcs.New(client, "uploads", opts), rec: rec}
		p.Library = &recording{Store: gcs.New(client, "library", opts), rec: rec}
	default:
		t.Fatalf("unknown backend %q", backend)
	}
	cat, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	p.Catalog = cat
	return &Env{P: p, Events: rec}
}

// Logger discards logs unless the test runs with -v.
func Logger(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// FakeGCS starts fake-gcs-server on a loopback port with the buckets and
// returns the real client pointed at it.
func FakeGCS(t testing.TB, buckets ...string) *cloudstorage.Client {
	t.Helper()
	c, _ := fakeGCS(t, buckets...)
	return c
}

// fakeGCS is FakeGCS that also returns the server's host:port, which serves
// signed URLs' path-style downloads too.
func fakeGCS(t testing.TB, buckets ...string) (*cloudstorage.Client, string) {
	t.Helper()
	port := FreePort(t)
	host := fmt.Sprintf("127.0.0.1:%d", port)
	srv, err := fakestorage.NewServerWithOptions(fakestorage.Options{
		Scheme: "http", Host: "127.0.0.1", Port: uint16(port), PublicHost: host, Writer: io.Discard,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	for _, b := range buckets {
		srv.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: b})
	}
	client, err := cloudstorage.NewClient(context.Background(),
		option.WithEndpoint(srv.URL()+"/storage/v1/"), option.WithoutAuthentication(), cloudstorage.WithJSONReads())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	return client, host
}

// FreePort returns a loopback port nothing listens on.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// WaitListening waits until addr accepts connections.
func WaitListening(t testing.TB, addr string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s is not listening: %v", addr, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Corpus reads a file of the shared corpus ("mixamo/x.fbx").
func Corpus(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(corpus.Path(t, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Put writes an object as a client would.
func Put(t testing.TB, s storage.Store, name string, data []byte) storage.Attrs {
	t.Helper()
	a, err := s.Put(context.Background(), name, bytes.NewReader(data), &storage.PutOptions{ContentType: "application/octet-stream"})
	if err != nil {
		t.Fatalf("put %s: %v", name, err)
	}
	return a
}

// Names returns name → generation of every object of s.
func Names(t testing.TB, s storage.Store) map[string]int64 {
	t.Helper()
	all, err := storage.ListAll(context.Background(), s, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]int64{}
	for _, a := range all {
		m[a.Name] = a.Generation
	}
	return m
}

// Send posts ev to url as a binary-mode CloudEvent with a fresh random id and
// returns the HTTP status of the answer.
func Send(t testing.TB, url string, ev storage.Event) int {
	t.Helper()
	return SendID(t, url, ev, "evt-"+rand.Text())
}

// SendID is Send with the event id given, to deliver the same event twice.
func SendID(t testing.TB, url string, ev storage.Event, id string) int {
	t.Helper()
	ce, err := eventarc.Encode(ev, id)
	if err != nil {
		t.Fatal(err)
	}
	c, err := cloudevents.NewClientHTTP()
	if err != nil {
		t.Fatal(err)
	}
	res := c.Send(cloudevents.ContextWithTarget(context.Background(), url), ce)
	var hr *cehttp.Result
	if !cloudevents.ResultAs(res, &hr) {
		t.Fatalf("send %s %s: %v", ev.Type, ev.Object.Name, res)
	}
	return hr.StatusCode
}
