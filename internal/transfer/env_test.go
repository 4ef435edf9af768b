package transfer_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	cloudstorage "cloud.google.com/go/storage"
	"github.com/fsouza/fake-gcs-server/fakestorage"
	"google.golang.org/api/option"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/resilience"
)

// flaky stands in front of fake-gcs-server and fails requests with 503: the
// first FailFirst of them before they reach the server, and the upload
// request number LoseAnswer (counting uploads from 1) after the server has
// done it, as when a connection drops on the way back.
type flaky struct {
	FailFirst  int
	LoseAnswer int

	mu               sync.Mutex
	requests, upload int
	failed           int
	next             http.Handler
}

func (f *flaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests++
	n := f.requests
	isUpload := strings.HasPrefix(r.URL.Path, "/upload/")
	if isUpload {
		f.upload++
	}
	lose := isUpload && f.upload == f.LoseAnswer
	fail := n <= f.FailFirst || lose
	if fail {
		f.failed++
	}
	f.mu.Unlock()
	if n <= f.FailFirst {
		http.Error(w, "backend unavailable", http.StatusServiceUnavailable)
		return
	}
	if lose {
		f.next.ServeHTTP(discard{}, r)
		http.Error(w, "backend unavailable", http.StatusServiceUnavailable)
		return
	}
	f.next.ServeHTTP(w, r)
}

// Failed is the number of requests answered 503.
func (f *flaky) Failed() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.failed
}

type discard struct{}

func (discard) Header() http.Header         { return http.Header{} }
func (discard) Write(p []byte) (int, error) { return len(p), nil }
func (discard) WriteHeader(int)             {}

// fakeGCS starts fake-gcs-server with the buckets and returns two clients
// of it that leave every retry to the caller, so the tests see the
// pipeline's own retries at work: the first through f (when not nil), the
// second direct.
func fakeGCS(t *testing.T, f *flaky, versioned bool, buckets ...string) (*cloudstorage.Client, *cloudstorage.Client) {
	t.Helper()
	port := pipelinetest.FreePort(t)
	srv, err := fakestorage.NewServerWithOptions(fakestorage.Options{Scheme: "http", Host: "127.0.0.1", Port: uint16(port), Writer: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	for _, b := range buckets {
		srv.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: b, VersioningEnabled: versioned})
	}
	client := func(endpoint string) *cloudstorage.Client {
		c, err := cloudstorage.NewClient(context.Background(),
			option.WithEndpoint(endpoint+"/storage/v1/"), option.WithoutAuthentication(), cloudstorage.WithJSONReads())
		if err != nil {
			t.Fatal(err)
		}
		c.SetRetry(cloudstorage.WithPolicy(cloudstorage.RetryNever))
		t.Cleanup(func() { c.Close() })
		return c
	}
	direct := client(srv.URL())
	if f == nil {
		return direct, direct
	}
	u, err := url.Parse(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	f.next = httputil.NewSingleHostReverseProxy(u)
	front := httptest.NewServer(f)
	t.Cleanup(front.Close)
	return client(front.URL), direct
}

// fastRetry retries often without waiting long.
func fastRetry() resilience.Policy {
	return resilience.Policy{MaxAttempts: 8, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}
}
