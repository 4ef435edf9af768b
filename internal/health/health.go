// Package health answers the probes of a service: /live (the process
// serves), /ready (the critical dependencies answer) and /health (every
// dependency, per component). Dependency checks are cached briefly so that
// probes arriving every second, from several probers, do not each reach
// Cloud Storage or BigQuery.
package health

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// Defaults of a Checker. The timeout stays under the 1 s the Cloud Run
// startup probe waits, so a hanging dependency is answered as 503 with its
// error rather than left to the prober's timeout.
const (
	DefaultTTL     = 2 * time.Second
	DefaultTimeout = 800 * time.Millisecond
)

// Component is one dependency.
type Component struct {
	Name string
	// Critical components decide /ready; the others only show in /health.
	Critical bool
	Check    func(ctx context.Context) error
}

// StoreCheck checks that a bucket answers a one-object listing.
func StoreCheck(s storage.Store) func(context.Context) error {
	return func(ctx context.Context) error {
		for _, err := range s.List(ctx, &storage.ListOptions{Limit: 1}) {
			if err != nil {
				return err
			}
		}
		return nil
	}
}

// CatalogCheck checks that the catalog answers a one-row query.
func CatalogCheck(c catalog.Store) func(context.Context) error {
	return func(ctx context.Context) error {
		_, err := c.Current(ctx, catalog.Filter{Limit: 1})
		return err
	}
}

// Breaker is a circuit breaker guarding a dependency, whose state /health
// shows.
type Breaker interface {
	Dependency() string
	StateName() string // closed, half-open or open
}

// BreakerStates maps each breaker's dependency to its state.
func BreakerStates(bs []Breaker) map[string]string {
	out := make(map[string]string, len(bs))
	for _, b := range bs {
		out[b.Dependency()] = b.StateName()
	}
	return out
}

// Checker runs the checks of its components, at most once per TTL.
type Checker struct {
	Components []Component
	// TTL is how long results are reused; DefaultTTL when zero.
	TTL time.Duration
	// Timeout bounds one round of checks; DefaultTimeout when zero.
	Timeout time.Duration
	// Breakers are shown in /health under "breakers". They are read on
	// every answer, not cached: reading one costs nothing, and an open
	// breaker is the first sign of a dependency failing.
	Breakers []Breaker
	// Details, when set, adds its fields to /health (the local router's
	// queue).
	Details func() map[string]any

	mu      sync.Mutex
	checked time.Time
	last    map[string]string
}

// Status is the per-component state: "ok" or the error's message.
func (c *Checker) Status(ctx context.Context) map[string]string {
	ttl := c.TTL
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	// Holding the lock while checking makes concurrent probes share one
	// round instead of each starting their own.
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.last != nil && time.Since(c.checked) < ttl {
		return c.last
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	// The round outlives a probe that gives up, since its result is shared.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	out := make(map[string]string, len(c.Components))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, comp := range c.Components {
		wg.Go(func() {
			state := "ok"
			if err := comp.Check(ctx); err != nil {
				state = err.Error()
			}
			mu.Lock()
			out[comp.Name] = state
			mu.Unlock()
		})
	}
	wg.Wait()
	c.last, c.checked = out, time.Now()
	return out
}

// Live answers 200 while the process serves.
func (c *Checker) Live(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// Ready answers 200 when every critical component is ok, else 503.
func (c *Checker) Ready(w http.ResponseWriter, r *http.Request) {
	st := c.Status(r.Context())
	status, comps := http.StatusOK, map[string]string{}
	for _, comp := range c.Components {
		if !comp.Critical {
			continue
		}
		comps[comp.Name] = st[comp.Name]
		if st[comp.Name] != "ok" {
			status = http.StatusServiceUnavailable
		}
	}
	writeJSON(w, status, map[string]any{"ready": status == http.StatusOK, "components": comps})
}

// Health answers every component's state: 200 with "ok" when all are ok,
// 503 with "degraded" when a critical one is not, 200 with "degraded" when
// only others are not.
func (c *Checker) Health(w http.ResponseWriter, r *http.Request) {
	st := c.Status(r.Context())
	status, overall := http.StatusOK, "ok"
	for _, comp := range c.Components {
		if st[comp.Name] == "ok" {
			continue
		}
		overall = "degraded"
		if comp.Critical {
			status = http.StatusServiceUnavailable
		}
	}
	body := map[string]any{"status": overall, "components": st}
	if len(c.Breakers) > 0 {
		body["breakers"] = BreakerStates(c.Breakers)
	}
	if c.Details != nil {
		for k, v := range c.Details() {
			body[k] = v
		}
	}
	writeJSON(w, status, body)
}

// Register adds GET /live, /ready and /health to mux.
func (c *Checker) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /live", c.Live)
	mux.HandleFunc("GET /ready", c.Ready)
	mux.HandleFunc("GET /health", c.Health)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
