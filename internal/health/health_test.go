package health

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestProbes(t *testing.T) {
	t.Parallel()
	down := errors.New("connection refused")
	for _, tc := range []struct {
		name                string
		critical, other     error
		live, ready, health int
		status              string
	}{
		{"all ok", nil, nil, 200, 200, 200, "ok"},
		{"optional down", nil, down, 200, 200, 200, "degraded"},
		{"critical down", down, nil, 200, 503, 503, "degraded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &Checker{Components: []Component{
				{Name: "storage", Critical: true, Check: func(context.Context) error { return tc.critical }},
				{Name: "search", Check: func(context.Context) error { return tc.other }},
			}}
			mux := http.NewServeMux()
			c.Register(mux)
			for path, want := range map[string]int{"/live": tc.live, "/ready": tc.ready, "/health": tc.health} {
				rec := httptest.NewRecorder()
				mux.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
				if rec.Code != want {
					t.Errorf("GET %s: HTTP %d, want %d: %s", path, rec.Code, want, rec.Body)
				}
				var body struct{ Status string }
				if path == "/health" {
					if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Status != tc.status {
						t.Errorf("GET /health: status %q (%v), want %q", body.Status, err, tc.status)
					}
				}
			}
		})
	}
}

// TestChecksAreCached sends a burst of concurrent probes: the dependency is
// checked once per TTL.
func TestChecksAreCached(t *testing.T) {
	var calls atomic.Int32
	c := &Checker{TTL: 100 * time.Millisecond, Components: []Component{{Name: "storage", Critical: true,
		Check: func(context.Context) error { calls.Add(1); time.Sleep(10 * time.Millisecond); return nil }}}}
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() { c.Status(context.Background()) })
	}
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Errorf("%d checks for 20 probes within the TTL, want 1", n)
	}
	time.Sleep(120 * time.Millisecond)
	c.Status(context.Background())
	if n := calls.Load(); n != 2 {
		t.Errorf("%d checks after the TTL, want 2", n)
	}
}
