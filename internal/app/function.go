package app

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/config"
)

// A Function is a Service as functions-framework-go serves it: each
// functions/* package registers one in init() with
//
//	functions.HTTP(Target, app.NewFunction(service).ServeHTTP)
//
// and funcframework.Start serves the one FUNCTION_TARGET names, both in the
// main Cloud Run's Go buildpack generates for a source deploy and in the
// mains of functions/*/cmd (ServeFunction). Three things follow from how the
// framework serves:
//
//   - It hands every path to the target, so a CloudEvent function would get
//     the probes and the scrapes of /metrics as malformed events. Each
//     service is therefore an HTTP function serving App.Handler: GET /live,
//     /ready, /health and /metrics beside the service's own handler, which
//     decodes the events with the CloudEvents SDK as the framework would.
//   - Between init() and the first request no code of ours runs, and init()
//     must not read Secret Manager or dial clients (nor fail). So the App is
//     built on the first request, usually Cloud Run's startup probe on
//     /ready, from the environment, by Open and Build as everywhere else. A
//     start error is logged and ends the process with status 2, as a failed
//     start always has, so the revision fails instead of idling unready.
//   - The framework serves with http.ListenAndServe, which SIGTERM would
//     kill mid-request. Once built, the function takes SIGTERM itself: it
//     answers 503 to new requests, lets those in flight finish within the
//     grace, closes the adapters' clients and exits 0 (1 if a request
//     outlived the grace).
type Function struct {
	Service
	// Grace is how long requests in flight get after SIGTERM;
	// CloudRunGrace when zero.
	Grace time.Duration
	// Signals stop serving; SIGTERM and os.Interrupt when nil.
	Signals []os.Signal
	// Exit ends the process after a failed start or a stop; os.Exit when
	// nil.
	Exit func(code int)

	mu      sync.Mutex // serializes the start
	serving atomic.Pointer[serving]
}

// NewFunction is the function of s, to register with functions.HTTP under
// s.Target.
func NewFunction(s Service) *Function { return &Function{Service: s} }

// ServeHTTP serves a request of the function, building its App first if
// this is the first request.
func (f *Function) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s := f.serving.Load()
	if s == nil {
		var err error
		if s, err = f.start(); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", f.Name, err)
			http.Error(w, f.Name+" failed to start: "+err.Error(), http.StatusServiceUnavailable)
			if fl, ok := w.(http.Flusher); ok {
				fl.Flush()
			}
			f.exit(ExitCode(err))
			return
		}
	}
	if !s.enter() {
		// As a server that has closed its listener: the caller retries
		// elsewhere (Eventarc redelivers on 503).
		w.Header().Set("Connection", "close")
		http.Error(w, f.Name+" is shutting down", http.StatusServiceUnavailable)
		return
	}
	defer s.leave()
	s.h.ServeHTTP(w, r)
}

// start builds the App once: the configuration from the environment
// (Secret Manager references resolved), the ports f.Needs opened by f.Open,
// /metrics on a port of its own where METRICS_PORT asks for one, and the
// stop on a signal.
func (f *Function) start() (*serving, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s := f.serving.Load(); s != nil {
		return s, nil
	}
	ctx, stopSignals := signal.NotifyContext(context.Background(), f.signals()...)
	fail := func(err error) (*serving, error) {
		stopSignals()
		return nil, &StartError{err}
	}
	cfg, err := config.Load(ctx, config.Options{})
	if err != nil {
		return fail(err)
	}
	log := cfg.Logger(os.Stderr, f.Name)
	slog.SetDefault(log)
	a, err := Open(ctx, cfg, f.Needs, f.Open, log)
	if err != nil {
		return fail(err)
	}
	port := cmp.Or(os.Getenv("PORT"), "8080")
	mctx, stopMetrics := context.WithCancel(context.Background())
	addr, err := a.Metrics.ServeMetricsPort(mctx, os.Getenv, port, log)
	if err != nil {
		stopMetrics()
		a.Close()
		return fail(err)
	}
	if addr != nil {
		log.Info("serving metrics", "addr", addr.String())
	}
	s := &serving{h: a.Handler(f.Fn(a.Pipeline, a.Metrics, log)), idle: make(chan struct{})}
	log.Info("serving", "port", port, "target", f.Target, "config", cfg)
	go func() {
		<-ctx.Done()
		stopSignals()
		grace := cmp.Or(f.Grace, CloudRunGrace)
		log.Info("shutting down", "grace", grace, "in_flight", s.inFlight.Load())
		code := 0
		select {
		case <-s.stop():
		case <-time.After(grace):
			log.Error("requests still in flight after the grace", "in_flight", s.inFlight.Load(), "grace", grace)
			code = 1
		}
		stopMetrics()
		if err := a.Close(); err != nil {
			log.Warn("closing clients failed", "error", err)
		}
		f.exit(code)
	}()
	f.serving.Store(s)
	return s, nil
}

func (f *Function) signals() []os.Signal {
	if f.Signals != nil {
		return f.Signals
	}
	return []os.Signal{syscall.SIGTERM, os.Interrupt}
}

func (f *Function) exit(code int) {
	if f.Exit != nil {
		f.Exit(code)
		return
	}
	os.Exit(code)
}

// serving is a built function: its handler and the requests in flight.
// Lock-free, since every request passes through enter and leave.
type serving struct {
	h        http.Handler
	inFlight atomic.Int64
	stopping atomic.Bool
	idle     chan struct{} // closed once stopping with nothing in flight
	once     sync.Once
}

// enter counts a request in, unless stopping. Counting before looking means
// stop either sees the request or the request sees stop.
func (s *serving) enter() bool {
	s.inFlight.Add(1)
	if s.stopping.Load() {
		s.leave()
		return false
	}
	return true
}

func (s *serving) leave() {
	if s.inFlight.Add(-1) == 0 && s.stopping.Load() {
		s.once.Do(func() { close(s.idle) })
	}
}

// stop refuses new requests and returns a channel closed once none is in
// flight.
func (s *serving) stop() <-chan struct{} {
	s.stopping.Store(true)
	if s.inFlight.Load() == 0 {
		s.once.Do(func() { close(s.idle) })
	}
	return s.idle
}

// ServeFunction serves the function registered under target as a source
// deploy's generated main does: start (funcframework.Start) on PORT, 8080
// by default. A main links one function, so it serves it also when
// FUNCTION_TARGET is unset; FUNCTION_TARGET naming another is a start
// error, as the framework would find no such function.
func ServeFunction(target string, start func(port string) error) error {
	switch t := os.Getenv("FUNCTION_TARGET"); t {
	case target:
	case "":
		if err := os.Setenv("FUNCTION_TARGET", target); err != nil {
			return &StartError{err}
		}
	default:
		return &StartError{fmt.Errorf("FUNCTION_TARGET=%q: this service serves %q", t, target)}
	}
	return start(cmp.Or(os.Getenv("PORT"), "8080"))
}
