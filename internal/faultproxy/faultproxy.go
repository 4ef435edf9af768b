// Package faultproxy is an HTTP reverse proxy for tests that sits between a
// real client library and the local server standing in for a cloud
// dependency (fake-gcs-server, the BigQuery emulator) and fails requests on
// a schedule: error statuses, answers held past the client's deadline, and
// connections reset. A fault strikes either before the request reaches the
// server (nothing happened) or after the server has answered (the change took
// effect, the client does not know), which is where retries and redeliveries
// must not duplicate or half-write anything.
package faultproxy

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
)

// Fault is what the proxy does with one request.
type Fault struct {
	// Status answers with this code and a JSON error body in the shape of
	// Google's APIs; 0 when the fault is no status.
	Status int
	// Hold keeps the answer back until the client gives up (or Options.Hold
	// passes), then drops the connection.
	Hold bool
	// Reset closes the connection with a TCP RST; after the server's answer,
	// half of its body is written first, so the client sees a truncated body.
	Reset bool
	// After forwards the request first, so the server acts on it, and fails
	// only the answer.
	After bool
}

// Faults to build schedules from.
var (
	Pass           = Fault{}
	Err500         = Fault{Status: http.StatusInternalServerError}
	Err503         = Fault{Status: http.StatusServiceUnavailable}
	Err429         = Fault{Status: http.StatusTooManyRequests}
	Timeout        = Fault{Hold: true}
	Reset          = Fault{Reset: true}
	Err503After    = Fault{Status: http.StatusServiceUnavailable, After: true}
	TimeoutAfter   = Fault{Hold: true, After: true}
	ResetAfter     = Fault{Reset: true, After: true}
	AllFaultsMixed = []Fault{Err503, Pass, Reset, Err500, Pass, Timeout, Err429, Pass, Err503After, ResetAfter, Pass, TimeoutAfter}
)

// String names the fault in counts: "503", "timeout", "reset", with
// "-after" when the server saw the request; "pass" for none.
func (f Fault) String() string {
	var s string
	switch {
	case f.Status != 0:
		s = fmt.Sprint(f.Status)
	case f.Hold:
		s = "timeout"
	case f.Reset:
		s = "reset"
	default:
		return "pass"
	}
	if f.After {
		s += "-after"
	}
	return s
}

// Plan applies Steps, in order, to the requests Match accepts, Times times
// over; then it lets them pass.
type Plan struct {
	Name  string                   // counts its faults in Stats.ByPlan
	Match func(*http.Request) bool // every request when nil
	Steps []Fault
	Times int // 1 when zero
}

// Options configure a Proxy.
type Options struct {
	// Hold is the longest a held answer waits for the client to give up;
	// 30 s when zero.
	Hold time.Duration
}

// Proxy forwards to one upstream server and injects the faults of its
// plans. It is safe for concurrent use.
type Proxy struct {
	ln    net.Listener
	srv   *http.Server
	rp    *httputil.ReverseProxy
	hold  time.Duration
	mu    sync.Mutex
	plans []*planState
	// counts by fault name and by plan; requests by all; failed keys and
	// their repeats.
	counts   map[string]int
	byPlan   map[string]int
	requests int
	failed   map[string]bool
	repeats  int
}

type planState struct {
	Plan
	next int
}

// New starts a proxy to upstream (http://host:port) on a loopback port.
func New(upstream string, opts Options) (*Proxy, error) {
	u, err := url.Parse(upstream)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("faultproxy: upstream %q is not an http URL", upstream)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{ln: ln, hold: opts.Hold, counts: map[string]int{}, byPlan: map[string]int{}, failed: map[string]bool{}}
	if p.hold <= 0 {
		p.hold = 30 * time.Second
	}
	p.rp = &httputil.ReverseProxy{
		Rewrite:       func(r *httputil.ProxyRequest) { r.SetURL(u) },
		Transport:     &http.Transport{MaxIdleConnsPerHost: 64},
		FlushInterval: -1,
	}
	p.srv = &http.Server{Handler: http.HandlerFunc(p.serve), ReadHeaderTimeout: 10 * time.Second}
	go p.srv.Serve(ln)
	return p, nil
}

// URL is the proxy's base URL, to give the client as its endpoint.
func (p *Proxy) URL() string { return "http://" + p.ln.Addr().String() }

// Addr is the proxy's host:port.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Close stops the proxy.
func (p *Proxy) Close() error { return p.srv.Close() }

// Add appends a plan. Plans are tried in the order added; the first that
// matches a request and has steps left decides its fate.
func (p *Proxy) Add(pl Plan) {
	if pl.Times <= 0 {
		pl.Times = 1
	}
	p.mu.Lock()
	p.plans = append(p.plans, &planState{Plan: pl})
	p.mu.Unlock()
}

// Recover drops the steps still to come: from now on every request passes,
// as when the dependency is back.
func (p *Proxy) Recover() {
	p.mu.Lock()
	p.plans = nil
	p.mu.Unlock()
}

// Remaining is how many scheduled steps, faults and passes, are still to
// come.
func (p *Proxy) Remaining() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, pl := range p.plans {
		n += len(pl.Steps)*pl.Times - pl.next
	}
	return n
}

// Stats is what the proxy saw.
type Stats struct {
	Requests int
	// Faults counts injected faults by name (Fault.String).
	Faults map[string]int
	// ByPlan counts injected faults by the name of their plan.
	ByPlan map[string]int
	// Repeats counts requests identical (method, path and query) to one
	// that was failed before: the clients' retries.
	Repeats int
}

// Injected is the total of Faults.
func (s Stats) Injected() int {
	n := 0
	for _, c := range s.Faults {
		n += c
	}
	return n
}

// String lists the faults by name in a stable order.
func (s Stats) String() string {
	names := make([]string, 0, len(s.Faults))
	for k := range s.Faults {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	fmt.Fprintf(&b, "%d requests, %d faults (", s.Requests, s.Injected())
	for i, k := range names {
		if i > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%s=%d", k, s.Faults[k])
	}
	fmt.Fprintf(&b, "), %d retried requests", s.Repeats)
	return b.String()
}

// Stats returns a copy of the counts so far.
func (p *Proxy) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return Stats{Requests: p.requests, Repeats: p.repeats, Faults: maps.Clone(p.counts), ByPlan: maps.Clone(p.byPlan)}
}

// pick decides the fault for r and records it.
func (p *Proxy) pick(r *http.Request) Fault {
	key := r.Method + " " + r.URL.Path + "?" + r.URL.RawQuery
	p.mu.Lock()
	defer p.mu.Unlock()
	p.requests++
	if p.failed[key] {
		p.repeats++
	}
	for _, pl := range p.plans {
		if pl.next >= len(pl.Steps)*pl.Times || (pl.Match != nil && !pl.Match(r)) {
			continue
		}
		f := pl.Steps[pl.next%len(pl.Steps)]
		pl.next++
		if f != Pass {
			p.counts[f.String()]++
			p.byPlan[pl.Name]++
			p.failed[key] = true
		}
		return f
	}
	return Pass
}

func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	f := p.pick(r)
	if f == Pass {
		p.rp.ServeHTTP(w, r)
		return
	}
	if !f.After {
		// The request body is read as a server would before failing, so
		// the client is not stuck writing it.
		io.Copy(io.Discard, r.Body)
		p.fail(w, r, f, nil)
		return
	}
	rec := &recorder{header: http.Header{}}
	p.rp.ServeHTTP(rec, r)
	p.fail(w, r, f, rec)
}

// fail carries out f; rec holds the upstream's answer for faults after
// forwarding.
func (p *Proxy) fail(w http.ResponseWriter, r *http.Request, f Fault, rec *recorder) {
	switch {
	case f.Status != 0:
		reason := "backendError"
		if f.Status == http.StatusTooManyRequests {
			reason = "rateLimitExceeded"
		}
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		w.WriteHeader(f.Status)
		fmt.Fprintf(w, `{"error":{"code":%d,"message":"injected fault: %s","errors":[{"reason":%q,"message":"injected fault"}]}}`,
			f.Status, http.StatusText(f.Status), reason)
	case f.Hold:
		t := time.NewTimer(p.hold)
		defer t.Stop()
		select {
		case <-r.Context().Done():
		case <-t.C:
		}
		p.abort(w, nil)
	case f.Reset:
		var partial []byte
		if rec != nil {
			var head bytes.Buffer
			fmt.Fprintf(&head, "HTTP/1.1 %d %s\r\n", rec.code(), http.StatusText(rec.code()))
			rec.header.Del("Transfer-Encoding")
			rec.header.Set("Content-Length", fmt.Sprint(rec.body.Len()))
			rec.header.Write(&head)
			head.WriteString("\r\n")
			head.Write(rec.body.Bytes()[:rec.body.Len()/2])
			partial = head.Bytes()
		}
		p.abort(w, partial)
	}
}

// abort writes partial straight to the connection, if any, and resets it.
func (p *Proxy) abort(w http.ResponseWriter, partial []byte) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// Not hijackable (HTTP/2): the closest is a broken stream.
		panic(http.ErrAbortHandler)
	}
	if len(partial) > 0 {
		buf.Write(partial)
		buf.Flush()
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0) // close with RST, not FIN
	}
	conn.Close()
}

// recorder keeps the upstream's answer for a fault after forwarding.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

func (r *recorder) code() int {
	if r.status == 0 {
		return http.StatusOK
	}
	return r.status
}
