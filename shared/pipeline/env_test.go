package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	cloudstorage "cloud.google.com/go/storage"
	"github.com/fsouza/fake-gcs-server/fakestorage"
	"google.golang.org/api/option"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/corpus"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog/sqlite"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage/gcs"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage/localdir"
)

// corpus is the shared corpus of real Mixamo exports.
func corpusFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(corpus.Path(t, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// backends are the object stores the pipeline runs on.
var backends = []string{"localdir", "gcs"}

// newPipeline returns a pipeline over an uploads and a library bucket of the
// backend and a SQLite catalog.
func newPipeline(t testing.TB, backend string) *Pipeline {
	t.Helper()
	p := &Pipeline{MaxFileSize: 500 << 20, Workers: 2, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	switch backend {
	case "localdir":
		dir := t.TempDir()
		var err error
		if p.Uploads, err = localdir.Open(filepath.Join(dir, "uploads"), localdir.Options{NoSync: true}); err != nil {
			t.Fatal(err)
		}
		if p.Library, err = localdir.Open(filepath.Join(dir, "library"), localdir.Options{NoSync: true}); err != nil {
			t.Fatal(err)
		}
	case "gcs":
		client := fakeGCS(t, "uploads", "library")
		p.Uploads = gcs.New(client, "uploads", gcs.Options{})
		p.Library = gcs.New(client, "library", gcs.Options{})
	default:
		t.Fatalf("unknown backend %q", backend)
	}
	cat, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	p.Catalog = cat
	return p
}

// fakeGCS starts fake-gcs-server on loopback with the buckets and returns
// the real client pointed at it.
func fakeGCS(t testing.TB, buckets ...string) *cloudstorage.Client {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	srv, err := fakestorage.NewServerWithOptions(fakestorage.Options{
		Scheme: "http", Host: "127.0.0.1", Port: uint16(port), Writer: io.Discard,
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
	return client
}

func upload(t testing.TB, s storage.Store, name string, data []byte) storage.Attrs {
	t.Helper()
	a, err := s.Put(context.Background(), name, bytes.NewReader(data), &storage.PutOptions{ContentType: "application/octet-stream"})
	if err != nil {
		t.Fatalf("upload %s: %v", name, err)
	}
	return a
}

// listing returns name → generation of every object.
func listing(t testing.TB, s storage.Store) map[string]int64 {
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

// faultyStore fails reads or writes with a transient error while failing is
// set, and counts the reads it serves.
type faultyStore struct {
	storage.Store
	failGets, failPuts atomic.Bool
	gets               atomic.Int64
}

func (f *faultyStore) transient(op, name string) error {
	return &storage.Error{Op: op, Bucket: f.Bucket(), Name: name, Kind: storage.ErrTransient, Err: fmt.Errorf("503 backend unavailable")}
}

func (f *faultyStore) Get(ctx context.Context, name string, o *storage.ReadOptions) (*storage.Reader, error) {
	f.gets.Add(1)
	if f.failGets.Load() {
		return nil, f.transient("get", name)
	}
	return f.Store.Get(ctx, name, o)
}

func (f *faultyStore) Put(ctx context.Context, name string, body io.Reader, o *storage.PutOptions) (storage.Attrs, error) {
	if f.failPuts.Load() {
		return storage.Attrs{}, f.transient("put", name)
	}
	return f.Store.Put(ctx, name, body, o)
}

func (f *faultyStore) List(ctx context.Context, o *storage.ListOptions) iter.Seq2[storage.Attrs, error] {
	return f.Store.List(ctx, o)
}

func (f *faultyStore) SignedURL(name string, ttl time.Duration) (string, error) {
	return f.Store.SignedURL(name, ttl)
}
