package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/config"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/metrics"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
)

// Function builds the handler a service serves at "/" from its pipeline.
type Function func(p *pipeline.Pipeline, m *metrics.Metrics, log *slog.Logger) http.Handler

// Opener opens the adapters a service's main links, for the ports in needs.
type Opener func(ctx context.Context, cfg *config.Config, needs Needs, log *slog.Logger) (Ports, error)

// Service is one Cloud Run service.
type Service struct {
	Name   string // logger name and error prefix
	Target string // the FUNCTION_TARGET it serves
	Needs  Needs
	Open   Opener
	Fn     Function
}

// StartError is a failure to start: bad configuration, or an adapter that
// could not be opened. Mains exit 2 on it, 1 on a serving failure.
type StartError struct{ Err error }

func (e *StartError) Error() string { return e.Err.Error() }
func (e *StartError) Unwrap() error { return e.Err }

// Exit reports err on stderr as name's and returns the exit status a main
// passes to os.Exit: 0 for nil, 2 for a StartError, 1 otherwise.
func Exit(name string, err error) int {
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
	}
	return ExitCode(err)
}

// ExitCode is the exit status of a main that got err.
func ExitCode(err error) int {
	var se *StartError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &se):
		return 2
	}
	return 1
}

// RunService runs s until ctx ends or SIGTERM (or an interrupt) arrives: the configuration from the environment
// (Secret Manager references resolved), the ports s.Needs opened by s.Open,
// and s.Fn served with the probes and /metrics on PORT (8080 by default),
// /metrics also on METRICS_PORT on Kubernetes. FUNCTION_TARGET, when set,
// must name s.Target, as functions-framework-go would refuse to serve
// another function.
func RunService(ctx context.Context, s Service) error {
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, os.Interrupt)
	defer stop()
	if t := os.Getenv("FUNCTION_TARGET"); t != "" && t != s.Target {
		return &StartError{fmt.Errorf("FUNCTION_TARGET=%q: this service serves %q", t, s.Target)}
	}
	cfg, err := config.Load(ctx, config.Options{})
	if err != nil {
		return &StartError{err}
	}
	log := cfg.Logger(os.Stderr, s.Name)
	slog.SetDefault(log)
	a, err := Open(ctx, cfg, s.Needs, s.Open, log)
	if err != nil {
		return &StartError{err}
	}
	log.Info("serving", "port", os.Getenv("PORT"), "target", s.Target, "config", cfg)
	return a.Run(ctx, s.Fn(a.Pipeline, a.Metrics, log), ServeOptions{Port: os.Getenv("PORT"), Getenv: os.Getenv})
}

// Open requires the variables of needs, opens the ports with open and builds
// the pipeline over them with cfg's options.
func Open(ctx context.Context, cfg *config.Config, needs Needs, open Opener, log *slog.Logger) (*App, error) {
	if err := cfg.Require(needs.Vars()...); err != nil {
		return nil, err
	}
	ports, err := open(ctx, cfg, needs, log)
	if err != nil {
		return nil, err
	}
	return Build(needs, ports, FromConfig(cfg, log))
}
