package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/config"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/metrics"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
)

// Handler builds the handler a service serves at "/" from its pipeline.
type Handler func(p *pipeline.Pipeline, m *metrics.Metrics, log *slog.Logger) http.Handler

// Opener opens the adapters a service's main links, for the ports in needs.
type Opener func(ctx context.Context, cfg *config.Config, needs Needs, log *slog.Logger) (Ports, error)

// Service is one Cloud Run service, served as a Function.
type Service struct {
	Name   string // logger name and error prefix
	Target string // the FUNCTION_TARGET it is registered under
	Needs  Needs
	Open   Opener
	Fn     Handler
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
