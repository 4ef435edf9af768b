package resilience_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"google.golang.org/api/googleapi"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/httpapi"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/resilience"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// states records a breaker's changes of state.
type states struct {
	mu  sync.Mutex
	got []resilience.State
}

func (s *states) record(_ string, st resilience.State) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got = append(s.got, st)
}

func (s *states) list() []resilience.State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]resilience.State(nil), s.got...)
}

func TestBreakerLifecycle(t *testing.T) {
	var seen states
	const timeout = 30 * time.Millisecond
	b := resilience.NewBreaker(resilience.GCS, resilience.BreakerSettings{
		Failures: 3, Timeout: timeout, IsFailure: storage.IsTransient, OnStateChange: seen.record,
	})
	calls := 0
	fail := func() error { calls++; return errTransient }
	for range 3 {
		if err := b.Do(fail); !errors.Is(err, storage.ErrTransient) || errors.Is(err, resilience.ErrOpen) {
			t.Fatalf("closed breaker: err = %v, want the call's own failure", err)
		}
	}
	if b.State() != resilience.Open {
		t.Fatalf("after 3 transient failures: state %v, want open", b.State())
	}

	// Open: the dependency is not called, and the error reads as
	// unavailable everywhere the pipeline decides.
	err := b.Do(fail)
	if calls != 3 {
		t.Fatalf("open breaker called the dependency (%d calls)", calls)
	}
	var oe *resilience.OpenError
	if !errors.As(err, &oe) || oe.Dependency != resilience.GCS || !errors.Is(err, resilience.ErrOpen) {
		t.Fatalf("open breaker: err = %v, want an *OpenError for gcs", err)
	}
	if !storage.IsTransient(err) || pipeline.KindOf(err) != pipeline.KindUnavailable ||
		httpapi.Status(pipeline.KindOf(err)) != http.StatusServiceUnavailable {
		t.Fatalf("open breaker error %v is not unavailable (kind %v)", err, pipeline.KindOf(err))
	}

	// After the timeout one trial passes; a failure opens it again.
	time.Sleep(timeout + 10*time.Millisecond)
	if b.State() != resilience.HalfOpen {
		t.Fatalf("after the timeout: state %v, want half-open", b.State())
	}
	b.Do(fail)
	if calls != 4 || b.State() != resilience.Open {
		t.Fatalf("failed trial: calls %d, state %v; want 4 and open", calls, b.State())
	}

	// A successful trial closes it.
	time.Sleep(timeout + 10*time.Millisecond)
	if err := b.Do(func() error { return nil }); err != nil {
		t.Fatalf("trial call: %v", err)
	}
	if b.State() != resilience.Closed {
		t.Fatalf("after a successful trial: state %v, want closed", b.State())
	}
	want := []resilience.State{resilience.Closed, resilience.Open, resilience.HalfOpen, resilience.Open,
		resilience.HalfOpen, resilience.Closed}
	if got := seen.list(); !equal(got, want) {
		t.Errorf("state changes %v, want %v", got, want)
	}
	if b.StateName() != "closed" || resilience.Open.String() != "open" || resilience.HalfOpen.String() != "half-open" {
		t.Errorf("state names: %q, %q, %q", b.StateName(), resilience.Open, resilience.HalfOpen)
	}
}

func equal(a, b []resilience.State) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Answers of a healthy dependency never open its breaker, and a transient
// failure among them still needs its full run of consecutive failures.
func TestBreakerIgnoresAnswers(t *testing.T) {
	t.Parallel()
	br := resilience.NewBreakers(resilience.BreakerSettings{Failures: 2, Timeout: time.Hour})
	tests := []struct {
		name string
		b    *resilience.Breaker
		err  error
	}{
		{"gcs not found", br.GCS, errNotFound},
		{"gcs precondition failed", br.GCS, &storage.Error{Op: "put", Kind: storage.ErrPreconditionFailed}},
		{"gcs invalid name", br.GCS, &storage.Error{Op: "put", Kind: storage.ErrInvalidName}},
		{"gcs permanent", br.GCS, &storage.Error{Op: "put", Err: &googleapi.Error{Code: 403}}},
		{"gcs cancelled", br.GCS, context.Canceled},
		{"bigquery no row", br.BigQuery, catalog.ErrNotFound},
		{"bigquery invalid row", br.BigQuery, catalog.ErrInvalidRow},
		{"bigquery bad request", br.BigQuery, &googleapi.Error{Code: 400}},
		{"elasticsearch cancelled", br.Elasticsearch, context.Canceled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for range 10 {
				if err := tc.b.Do(func() error { return tc.err }); !errors.Is(err, tc.err) {
					t.Fatalf("err = %v, want %v", err, tc.err)
				}
			}
			if tc.b.State() != resilience.Closed {
				t.Fatalf("state %v after 10 answers, want closed", tc.b.State())
			}
		})
	}
	// Failures that do count, per dependency.
	for _, tc := range []struct {
		b   *resilience.Breaker
		err error
	}{
		{br.GCS, errTransient},
		{br.BigQuery, &googleapi.Error{Code: 503}},
		{br.Elasticsearch, errors.New("search: index x#1: HTTP 500")},
	} {
		tc.b.Do(func() error { return tc.err })
		tc.b.Do(func() error { return nil }) // success resets the run
		tc.b.Do(func() error { return tc.err })
		if tc.b.State() != resilience.Closed {
			t.Fatalf("%s opened without consecutive failures", tc.b.Dependency())
		}
		tc.b.Do(func() error { return tc.err })
		if tc.b.State() != resilience.Open {
			t.Fatalf("%s: state %v after 2 consecutive failures, want open", tc.b.Dependency(), tc.b.State())
		}
	}
}
