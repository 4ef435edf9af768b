package gcs

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	cloudstorage "cloud.google.com/go/storage"
	"github.com/fsouza/fake-gcs-server/fakestorage"
	"google.golang.org/api/option"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage/storagetest"
)

// fakeGCS starts fake-gcs-server on a free loopback port, serving the JSON
// API and, for signed URLs, path-style downloads on the same host.
func fakeGCS(t testing.TB) (*fakestorage.Server, *cloudstorage.Client) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	srv, err := fakestorage.NewServerWithOptions(fakestorage.Options{
		Scheme:     "http",
		Host:       "127.0.0.1",
		Port:       uint16(port),
		PublicHost: fmt.Sprintf("127.0.0.1:%d", port),
		Writer:     io.Discard,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	client, err := cloudstorage.NewClient(context.Background(),
		option.WithEndpoint(srv.URL()+"/storage/v1/"),
		option.WithoutAuthentication(),
		cloudstorage.WithJSONReads(),
	)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	return srv, client
}

func signingKey(t *testing.T) []byte {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: must(x509.MarshalPKCS8PrivateKey(key))})
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestContract(t *testing.T) {
	t.Parallel()
	srv, client := fakeGCS(t)
	key := signingKey(t)
	var n atomic.Int64
	storagetest.Run(t, storagetest.Harness{
		New: func(t *testing.T) storage.Store {
			bucket := fmt.Sprintf("library-%d", n.Add(1))
			srv.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: bucket})
			return New(client, bucket, Options{
				GoogleAccessID:    "pipeline@example-project.iam.gserviceaccount.com",
				PrivateKey:        key,
				SignedURLHost:     strings.TrimPrefix(srv.URL(), "http://"),
				SignedURLInsecure: true,
			})
		},
		// fake-gcs-server ignores ifGenerationMatch on delete; GCS honours it.
		DeleteConditions: false,
		SignsURLs:        true,
	})
}

// Preconditions must be enforced by the server, not by a check-then-write in
// the client: a raw upload beside the store changes the live generation, and
// the store's conditional write must then fail.
func TestDoesNotExistEnforcedByServer(t *testing.T) {
	t.Parallel()
	srv, client := fakeGCS(t)
	srv.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: "library"})
	s := New(client, "library", Options{})
	ctx := context.Background()
	srv.CreateObject(fakestorage.Object{ObjectAttrs: fakestorage.ObjectAttrs{BucketName: "library", Name: "seed/mixamo/walk.fbx"}, Content: []byte("already here")})

	_, err := s.Put(ctx, "seed/mixamo/walk.fbx", strings.NewReader("mine"), &storage.PutOptions{If: storage.DoesNotExist()})
	if !errors.Is(err, storage.ErrPreconditionFailed) {
		t.Fatalf("Put over an object created outside the store = %v, want ErrPreconditionFailed", err)
	}
	obj, err := srv.GetObject("library", "seed/mixamo/walk.fbx")
	if err != nil || string(obj.Content) != "already here" {
		t.Fatalf("server object after the failed Put: %q, %v", obj.Content, err)
	}
}

// The error mapping the services rely on to answer Eventarc: transient
// failures are redelivered, the rest are not.
func TestErrorKinds(t *testing.T) {
	t.Parallel()
	cases := []struct {
		status        int
		wantKind      error
		wantTransient bool
	}{
		{http.StatusNotFound, storage.ErrNotFound, false},
		{http.StatusPreconditionFailed, storage.ErrPreconditionFailed, false},
		{http.StatusForbidden, nil, false},
		{http.StatusBadRequest, nil, false},
		{http.StatusTooManyRequests, storage.ErrTransient, true},
		{http.StatusRequestTimeout, storage.ErrTransient, true},
		{http.StatusInternalServerError, storage.ErrTransient, true},
		{http.StatusServiceUnavailable, storage.ErrTransient, true},
	}
	for _, c := range cases {
		t.Run(http.StatusText(c.status), func(t *testing.T) {
			var calls atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(c.status)
				fmt.Fprintf(w, `{"error":{"code":%d,"message":"injected %s"}}`, c.status, http.StatusText(c.status))
			}))
			defer srv.Close()
			client, err := cloudstorage.NewClient(context.Background(), option.WithEndpoint(srv.URL+"/storage/v1/"), option.WithoutAuthentication(), cloudstorage.WithJSONReads())
			if err != nil {
				t.Fatal(err)
			}
			defer client.Close()
			// One attempt, so the test sees the first answer's classification.
			client.SetRetry(cloudstorage.WithPolicy(cloudstorage.RetryNever))
			s := New(client, "library", Options{})

			_, err = s.Stat(context.Background(), "seed/a.fbx", nil)
			checkKind(t, "Stat", err, c.wantKind, c.wantTransient)
			_, err = s.Put(context.Background(), "seed/a.fbx", strings.NewReader("x"), &storage.PutOptions{If: storage.DoesNotExist()})
			checkKind(t, "Put", err, c.wantKind, c.wantTransient)
			if calls.Load() == 0 {
				t.Fatal("no request reached the server")
			}
		})
	}
	t.Run("connection refused", func(t *testing.T) {
		l, _ := net.Listen("tcp", "127.0.0.1:0")
		addr := l.Addr().String()
		l.Close()
		client, err := cloudstorage.NewClient(context.Background(), option.WithEndpoint("http://"+addr+"/storage/v1/"), option.WithoutAuthentication(), cloudstorage.WithJSONReads())
		if err != nil {
			t.Fatal(err)
		}
		defer client.Close()
		client.SetRetry(cloudstorage.WithPolicy(cloudstorage.RetryNever))
		_, err = New(client, "library", Options{}).Stat(context.Background(), "seed/a.fbx", nil)
		checkKind(t, "Stat", err, storage.ErrTransient, true)
	})
}

func checkKind(t *testing.T, op string, err, wantKind error, wantTransient bool) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s succeeded against a failing server", op)
	}
	var se *storage.Error
	if !errors.As(err, &se) {
		t.Fatalf("%s = %T %v, want *storage.Error", op, err, err)
	}
	if se.Kind != wantKind {
		t.Errorf("%s kind = %v, want %v (%v)", op, se.Kind, wantKind, err)
	}
	if storage.IsTransient(err) != wantTransient {
		t.Errorf("%s IsTransient = %v, want %v (%v)", op, !wantTransient, wantTransient, err)
	}
}

// The fake server keeps objects in memory, so these measure the client and
// the HTTP round trips over loopback, not GCS.
func BenchmarkFakeServer1MB(b *testing.B) {
	srv, client := fakeGCS(b)
	srv.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: "library"})
	s := New(client, "library", Options{})
	ctx := context.Background()
	body := bytes.Repeat([]byte("mixamo!!"), 1<<17)
	b.Run("put", func(b *testing.B) {
		r := bytes.NewReader(body)
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			r.Reset(body)
			if _, err := s.Put(ctx, "seed/bench.fbx", r, &storage.PutOptions{Metadata: map[string]string{"sha256": "x"}}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("get", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := storage.ReadAll(ctx, s, "seed/bench.fbx", nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}
