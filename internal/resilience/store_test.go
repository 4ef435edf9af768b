package resilience_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"iter"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/health"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/localdir"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/metrics"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/resilience"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage/storagetest"
)

// flaky is a store whose calls fail transiently while failures remain, as
// a bucket answering 503 does. A failing Put reads its body first, as an
// upload cut off midway would.
type flaky struct {
	storage.Store
	mu       sync.Mutex
	failures int
	calls    map[string]int
}

func newFlaky(t *testing.T, failures int) *flaky {
	s, err := localdir.Open(t.TempDir(), localdir.Options{Bucket: "library"})
	if err != nil {
		t.Fatal(err)
	}
	return &flaky{Store: s, failures: failures, calls: map[string]int{}}
}

func (f *flaky) fail(op string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[op]++
	if f.failures > 0 {
		f.failures--
		return &storage.Error{Op: op, Bucket: f.Bucket(), Kind: storage.ErrTransient, Err: errors.New("503 backend unavailable")}
	}
	return nil
}

func (f *flaky) count(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}

func (f *flaky) Stat(ctx context.Context, name string, opts *storage.ReadOptions) (storage.Attrs, error) {
	if err := f.fail("stat"); err != nil {
		return storage.Attrs{}, err
	}
	return f.Store.Stat(ctx, name, opts)
}

func (f *flaky) Put(ctx context.Context, name string, body io.Reader, opts *storage.PutOptions) (storage.Attrs, error) {
	if err := f.fail("put"); err != nil {
		io.Copy(io.Discard, body)
		return storage.Attrs{}, err
	}
	return f.Store.Put(ctx, name, body, opts)
}

func (f *flaky) Delete(ctx context.Context, name string, opts *storage.DeleteOptions) error {
	if err := f.fail("delete"); err != nil {
		return err
	}
	return f.Store.Delete(ctx, name, opts)
}

func (f *flaky) List(ctx context.Context, opts *storage.ListOptions) iter.Seq2[storage.Attrs, error] {
	return func(yield func(storage.Attrs, error) bool) {
		if err := f.fail("list"); err != nil {
			yield(storage.Attrs{}, err)
			return
		}
		for a, err := range f.Store.List(ctx, opts) {
			if !yield(a, err) {
				return
			}
		}
	}
}

func noWait(context.Context, time.Duration) error { return nil }

// The decorated directory store still honours the whole port contract.
func TestStoreContract(t *testing.T) {
	t.Parallel()
	policy := resilience.Policy{Sleep: noWait}
	storagetest.Run(t, storagetest.Harness{
		New: func(t *testing.T) storage.Store {
			b := resilience.NewBreakers(resilience.BreakerSettings{}).GCS
			return resilience.Store(newFlaky(t, 0), resilience.StoreOptions{Breaker: b, Retry: &policy})
		},
		DeleteConditions: true,
	})
}

// A store failing twice then recovering: the write succeeds on its third
// attempt with the whole body, the breaker stays closed, and its state is
// in the metrics and in /health; failing on, it opens and both show it.
func TestStoreRecoversAndReports(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	br := resilience.NewBreakers(resilience.BreakerSettings{
		Failures: 3, Timeout: time.Hour,
		OnStateChange: func(dep string, s resilience.State) { m.SetBreakerState(dep, float64(s)) },
	})
	f := newFlaky(t, 2)
	policy := resilience.Policy{MaxAttempts: 3, Sleep: noWait}
	s := resilience.Store(m.Store(f), resilience.StoreOptions{Breaker: br.GCS, Retry: &policy})
	body := []byte("the whole body, every time")
	a, err := s.Put(t.Context(), "seed/a.bvh", bytes.NewReader(body), nil)
	if err != nil {
		t.Fatalf("put after 2 transient failures: %v", err)
	}
	got, _, err := storage.ReadAll(t.Context(), s, "seed/a.bvh", nil)
	if err != nil || !bytes.Equal(got, body) || a.Size != int64(len(body)) {
		t.Fatalf("read back %q (size %d), %v; want %q", got, a.Size, err, body)
	}
	if n := f.count("put"); n != 3 {
		t.Errorf("put called %d times, want 3", n)
	}
	// Each attempt that reached the store is measured.
	if n := testutil.ToFloat64(m.GCSErrors.WithLabelValues("put", "transient")); n != 2 {
		t.Errorf("gcs_api_errors_total{put,transient} = %v, want 2", n)
	}
	checker := &health.Checker{Breakers: []health.Breaker{br.GCS, br.BigQuery, br.Elasticsearch}}
	assertBreaker(t, m, checker, "closed", 0)

	// Down for good: three more failures open the breaker mid-retries, and
	// the next call fails fast without reaching the store.
	f.mu.Lock()
	f.failures = 1000
	f.mu.Unlock()
	if _, err := s.Stat(t.Context(), "seed/a.bvh", nil); !storage.IsTransient(err) {
		t.Fatalf("stat while down: %v, want a transient error", err)
	}
	before := f.count("stat")
	_, err = s.Stat(t.Context(), "seed/a.bvh", nil)
	if !errors.Is(err, resilience.ErrOpen) || !storage.IsTransient(err) || f.count("stat") != before {
		t.Fatalf("stat with the breaker open: %v after %d→%d calls; want a fast ErrOpen", err, before, f.count("stat"))
	}
	assertBreaker(t, m, checker, "open", 2)
}

func assertBreaker(t *testing.T, m *metrics.Metrics, c *health.Checker, state string, gauge float64) {
	t.Helper()
	if v := testutil.ToFloat64(m.BreakerState.WithLabelValues(resilience.GCS)); v != gauge {
		t.Errorf("circuit_breaker_state{gcs} = %v, want %v", v, gauge)
	}
	if v := testutil.ToFloat64(m.BreakerState.WithLabelValues(resilience.BigQuery)); v != 0 {
		t.Errorf("circuit_breaker_state{bigquery} = %v, want 0", v)
	}
	rec := httptest.NewRecorder()
	c.Health(rec, httptest.NewRequest(http.MethodGet, "/health", nil))
	var body struct{ Breakers map[string]string }
	if err := json.NewDecoder(rec.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"gcs": state, "bigquery": "closed", "elasticsearch": "closed"}
	for dep, st := range want {
		if body.Breakers[dep] != st {
			t.Errorf("/health breakers = %v, want %v", body.Breakers, want)
			break
		}
	}
}

// Which calls the decorator retries: all of them over a store with no
// retries of its own, only unconditioned writes and deletes over Cloud
// Storage, whose client retries the rest; never a body it cannot rewind.
func TestStoreRetriesOnlyWhatTheClientDoesNot(t *testing.T) {
	t.Parallel()
	type call func(s storage.Store) error
	put := func(opts *storage.PutOptions) call {
		return func(s storage.Store) error {
			_, err := s.Put(context.Background(), "seed/x.bvh", strings.NewReader("x"), opts)
			return err
		}
	}
	del := func(opts *storage.DeleteOptions) call {
		return func(s storage.Store) error { return s.Delete(context.Background(), "seed/x.bvh", opts) }
	}
	stat := func(s storage.Store) error {
		_, err := s.Stat(context.Background(), "seed/x.bvh", nil)
		return err
	}
	list := func(s storage.Store) error {
		_, err := storage.ListAll(context.Background(), s, nil)
		return err
	}
	tests := []struct {
		name          string
		op            string
		call          call
		clientRetries bool
		wantCalls     int
	}{
		{"gcs plain put", "put", put(nil), true, 2},
		{"gcs put if absent", "put", put(&storage.PutOptions{If: storage.DoesNotExist()}), true, 1},
		{"gcs put if generation", "put", put(&storage.PutOptions{If: storage.GenerationMatch(7)}), true, 1},
		{"gcs plain delete", "delete", del(nil), true, 2},
		{"gcs delete if generation", "delete", del(&storage.DeleteOptions{If: storage.GenerationMatch(7)}), true, 1},
		{"gcs stat", "stat", stat, true, 1},
		{"gcs list", "list", list, true, 1},
		{"dir put if absent", "put", put(&storage.PutOptions{If: storage.DoesNotExist()}), false, 2},
		{"dir stat", "stat", stat, false, 2},
		{"dir list", "list", list, false, 2},
		{"dir delete if generation", "delete", del(&storage.DeleteOptions{If: storage.GenerationMatch(7)}), false, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFlaky(t, 1)
			f.Store.Put(context.Background(), "seed/x.bvh", strings.NewReader("x"), nil)
			policy := resilience.Policy{MaxAttempts: 3, Sleep: noWait}
			s := resilience.Store(f, resilience.StoreOptions{Retry: &policy, ClientRetries: tc.clientRetries})
			err := tc.call(s)
			if n := f.count(tc.op); n != tc.wantCalls {
				t.Errorf("%s called %d times, want %d (err %v)", tc.op, n, tc.wantCalls, err)
			}
			if tc.wantCalls == 1 && !storage.IsTransient(err) {
				t.Errorf("err = %v, want the transient failure passed on", err)
			}
		})
	}
	t.Run("body cannot be rewound", func(t *testing.T) {
		f := newFlaky(t, 1)
		policy := resilience.Policy{MaxAttempts: 3, Sleep: noWait}
		s := resilience.Store(f, resilience.StoreOptions{Retry: &policy})
		_, err := s.Put(context.Background(), "seed/y.bvh", io.MultiReader(strings.NewReader("y")), nil)
		if n := f.count("put"); n != 1 || !storage.IsTransient(err) {
			t.Fatalf("put called %d times (err %v); a body read once cannot be sent again", n, err)
		}
	})
}

// A listing that fails after yielding objects is not started over, which
// would yield them twice.
func TestStoreListNotRepeatedAfterYielding(t *testing.T) {
	t.Parallel()
	dir, err := localdir.Open(t.TempDir(), localdir.Options{Bucket: "library"})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"seed/a.bvh", "seed/b.bvh"} {
		dir.Put(t.Context(), n, strings.NewReader(n), nil)
	}
	calls := 0
	broken := &listFunc{Store: dir, list: func(yield func(storage.Attrs, error) bool) {
		calls++
		if yield(storage.Attrs{Name: "seed/a.bvh"}, nil) {
			yield(storage.Attrs{}, errTransient)
		}
	}}
	policy := resilience.Policy{MaxAttempts: 3, Sleep: noWait}
	got, err := storage.ListAll(t.Context(), resilience.Store(broken, resilience.StoreOptions{Retry: &policy}), nil)
	if calls != 1 || len(got) != 1 || !storage.IsTransient(err) {
		t.Fatalf("listed %d objects in %d calls, err %v; want 1 object, 1 call, the transient failure", len(got), calls, err)
	}
}

type listFunc struct {
	storage.Store
	list iter.Seq2[storage.Attrs, error]
}

func (l *listFunc) List(context.Context, *storage.ListOptions) iter.Seq2[storage.Attrs, error] {
	return l.list
}
