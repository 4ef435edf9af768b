package resilience

import (
	"context"
	"errors"
	"time"

	"github.com/sony/gobreaker/v2"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// Dependencies the pipeline guards, as the circuit_breaker_state metric
// labels them. The local pipeline's directory store and embedded catalog
// take the names of the services they stand in for, so the dashboards read
// the same on a workstation.
const (
	GCS           = "gcs"
	BigQuery      = "bigquery"
	Elasticsearch = "elasticsearch"
)

// State is a breaker's state, valued as the circuit_breaker_state gauge
// reports it.
type State int

const (
	Closed   State = State(gobreaker.StateClosed)   // 0: calls pass
	HalfOpen State = State(gobreaker.StateHalfOpen) // 1: one trial call passes
	Open     State = State(gobreaker.StateOpen)     // 2: calls fail fast
)

func (s State) String() string { return gobreaker.State(s).String() }

// ErrOpen matches the error of a call refused by an open (or busy
// half-open) breaker.
var ErrOpen = errors.New("circuit breaker open")

// OpenError is a call refused without reaching the dependency. It matches
// ErrOpen and storage.ErrTransient, so the pipeline answers it as
// unavailable: 503 with Retry-After over HTTP, an error to Eventarc so the
// event comes back once the dependency may have recovered.
type OpenError struct {
	Dependency string
	Err        error // gobreaker.ErrOpenState or gobreaker.ErrTooManyRequests
}

func (e *OpenError) Error() string {
	if errors.Is(e.Err, gobreaker.ErrTooManyRequests) {
		return e.Dependency + " unavailable: " + ErrOpen.Error() + " (half-open, trial call in flight)"
	}
	return e.Dependency + " unavailable: " + ErrOpen.Error()
}

// Unwrap exposes ErrOpen, storage.ErrTransient and gobreaker's error.
func (e *OpenError) Unwrap() []error { return []error{ErrOpen, storage.ErrTransient, e.Err} }

// Defaults of BreakerSettings.
const (
	DefaultFailures = 5
	DefaultTimeout  = 30 * time.Second
)

// BreakerSettings configure a Breaker.
type BreakerSettings struct {
	// Failures is how many failures in a row open the breaker;
	// DefaultFailures when zero.
	Failures uint32
	// Timeout is how long it stays open before letting one trial call
	// through (half-open); DefaultTimeout when zero.
	Timeout time.Duration
	// IsFailure reports whether an error means the dependency is failing.
	// Errors it refuses (a missing object, a failed precondition, bad
	// input) are answers of a healthy dependency and count as successes.
	// Nil counts every error but a cancelled context.
	IsFailure func(error) bool
	// OnStateChange is told every change of state, for the
	// circuit_breaker_state gauge. It runs while the breaker is locked and
	// must not call the breaker.
	OnStateChange func(dependency string, to State)
}

// Breaker guards one dependency. It is safe for concurrent use.
type Breaker struct {
	dependency string
	cb         *gobreaker.CircuitBreaker[struct{}]
}

// NewBreaker returns a closed breaker for dependency.
func NewBreaker(dependency string, s BreakerSettings) *Breaker {
	failures := s.Failures
	if failures == 0 {
		failures = DefaultFailures
	}
	isFailure := s.IsFailure
	if isFailure == nil {
		isFailure = func(error) bool { return true }
	}
	st := gobreaker.Settings{
		Name:    dependency,
		Timeout: s.Timeout,
		ReadyToTrip: func(c gobreaker.Counts) bool {
			return c.ConsecutiveFailures >= failures
		},
		IsSuccessful: func(err error) bool { return err == nil || !isFailure(err) },
		// The caller giving up says nothing about the dependency; neither
		// does a call a breaker further in refused.
		IsExcluded: func(err error) bool {
			return errors.Is(err, context.Canceled) || errors.Is(err, ErrOpen)
		},
	}
	if st.Timeout <= 0 {
		st.Timeout = DefaultTimeout
	}
	if s.OnStateChange != nil {
		st.OnStateChange = func(name string, _, to gobreaker.State) { s.OnStateChange(name, State(to)) }
		s.OnStateChange(dependency, Closed)
	}
	return &Breaker{dependency: dependency, cb: gobreaker.NewCircuitBreaker[struct{}](st)}
}

// Dependency is the name of the guarded dependency.
func (b *Breaker) Dependency() string { return b.dependency }

// State is the breaker's state now; an open breaker whose timeout has
// passed reports (and becomes) half-open.
func (b *Breaker) State() State { return State(b.cb.State()) }

// StateName is State as the health answer shows it.
func (b *Breaker) StateName() string { return b.State().String() }

// Do calls op unless the breaker is open, in which case it returns an
// *OpenError at once.
func (b *Breaker) Do(op func() error) error {
	_, err := b.cb.Execute(func() (struct{}, error) { return struct{}{}, op() })
	if errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests) {
		return &OpenError{Dependency: b.dependency, Err: err}
	}
	return err
}
