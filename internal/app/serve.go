package app

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/logs"
)

// Handler serves fn beside the probes and /metrics: GET /live, /ready,
// /health and /metrics are answered here, every other request (the
// CloudEvents Eventarc posts to "/", the blend API) goes to fn, with a
// correlation id and the trace in its context for its log lines and what it
// writes. Cloud Run probes and scrapes the serving port, so all share it.
func (a *App) Handler(fn http.Handler) http.Handler {
	mux := http.NewServeMux()
	a.Health.Register(mux)
	mux.Handle("GET /metrics", a.Metrics.Handler())
	mux.Handle("/", logs.Middleware(fn))
	return mux
}

// Grace periods after SIGTERM: Cloud Run kills an instance 10 s after sending
// it, Kubernetes a pod after terminationGracePeriodSeconds (30 s).
const (
	CloudRunGrace   = 8 * time.Second
	KubernetesGrace = 25 * time.Second
)

// Serve serves h on ln until ctx ends, then shuts down gracefully: new
// connections are refused and requests in flight get grace to finish.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, grace time.Duration, log *slog.Logger) error {
	stop, errc := start(ln, h)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "grace", grace)
	return stop(grace)
}

func start(ln net.Listener, h http.Handler) (stop func(grace time.Duration) error, errc <-chan error) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	c := make(chan error, 1)
	go func() { c <- srv.Serve(ln) }()
	return func(grace time.Duration) error {
		shut, cancel := context.WithTimeout(context.Background(), grace)
		defer cancel()
		if err := srv.Shutdown(shut); err != nil {
			return fmt.Errorf("shutdown: %w", err)
		}
		return nil
	}, c
}

// ServeOptions say where Start and Run serve.
type ServeOptions struct {
	// Listener, when set, is served instead of one opened on Port.
	Listener net.Listener
	// Port is the serving port; 8080 when empty.
	Port string
	// Getenv reads METRICS_PORT, K_SERVICE and KUBERNETES_SERVICE_HOST,
	// which decide whether /metrics also gets a port of its own.
	Getenv func(string) string
	// Grace is how long requests in flight get after the stop;
	// CloudRunGrace when zero.
	Grace time.Duration
}

// Server is a serving App, started by Start.
type Server struct {
	addr  net.Addr
	stop  func(time.Duration) error
	errc  <-chan error
	grace time.Duration
	done  context.CancelFunc // stops the metrics port
}

// Err delivers the error that ended serving, other than Stop.
func (s *Server) Err() <-chan error { return s.errc }

// Addr is the address served.
func (s *Server) Addr() net.Addr { return s.addr }

// Stop stops serving, letting requests in flight finish within the grace.
func (s *Server) Stop() error {
	defer s.done()
	return s.stop(s.grace)
}

// Start serves a.Handler(fn), and /metrics on a port of its own where
// metrics.PortFromEnv picks one (METRICS_PORT; 9090 on Kubernetes), without
// waiting.
func (a *App) Start(ctx context.Context, fn http.Handler, o ServeOptions) (*Server, error) {
	getenv := o.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	ln := o.Listener
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", ":"+cmp.Or(o.Port, "8080")); err != nil {
			return nil, fmt.Errorf("listen on PORT %s: %w", cmp.Or(o.Port, "8080"), err)
		}
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	mctx, stopMetrics := context.WithCancel(context.WithoutCancel(ctx))
	addr, err := a.Metrics.ServeMetricsPort(mctx, getenv, cmp.Or(o.Port, port), a.Log)
	if err != nil {
		stopMetrics()
		ln.Close()
		return nil, err
	}
	if addr != nil {
		a.Log.Info("serving metrics", "addr", addr.String())
	}
	if a.CatalogCache != nil && a.stopRefresh == nil {
		rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		a.stopRefresh = cancel
		go a.CatalogCache.Run(rctx)
	}
	stop, errc := start(ln, a.Handler(fn))
	return &Server{addr: ln.Addr(), stop: stop, errc: errc, grace: cmp.Or(o.Grace, CloudRunGrace), done: stopMetrics}, nil
}

// Run serves fn as Start does until ctx ends (SIGTERM) or the server fails,
// then stops gracefully and closes the adapters.
func (a *App) Run(ctx context.Context, fn http.Handler, o ServeOptions) error {
	srv, err := a.Start(ctx, fn, o)
	if err != nil {
		a.Close()
		return err
	}
	select {
	case err = <-srv.errc:
		srv.done()
	case <-ctx.Done():
		a.Log.Info("shutting down", "grace", srv.grace)
		err = srv.Stop()
	}
	if cerr := a.Close(); cerr != nil {
		a.Log.Warn("closing clients failed", "error", cerr)
	}
	return err
}
