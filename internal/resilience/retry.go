// Package resilience keeps the pipeline answering while its dependencies
// (Cloud Storage, BigQuery, Elasticsearch) fail: one retry helper with
// exponential backoff and full jitter for the calls no client library
// retries already, and circuit breakers (github.com/sony/gobreaker/v2) that
// stop calling a dependency that keeps failing, so requests fail fast as
// unavailable (HTTP 503 with Retry-After, CloudEvents redelivered by
// Eventarc) instead of queueing behind timeouts.
package resilience

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Defaults of a Policy.
const (
	DefaultMaxAttempts = 3
	DefaultBaseDelay   = 100 * time.Millisecond
	DefaultMaxDelay    = 5 * time.Second
	DefaultMultiplier  = 2.0
)

// Policy says how Retry repeats an operation. The zero Policy uses the
// defaults and retries nothing, since only a classifier knows what is safe
// to repeat.
type Policy struct {
	// MaxAttempts counts every call, the first included (MAX_RETRIES);
	// DefaultMaxAttempts when zero, and 1 means no retry.
	MaxAttempts int
	// BaseDelay is the ceiling of the first wait; DefaultBaseDelay when zero.
	BaseDelay time.Duration
	// Multiplier grows the ceiling after each attempt
	// (RETRY_BACKOFF_MULTIPLIER); DefaultMultiplier when below 1.
	Multiplier float64
	// MaxDelay caps the ceiling; DefaultMaxDelay when zero.
	MaxDelay time.Duration
	// Retryable reports whether a failure may go away on retry, for example
	// storage.IsTransient. Nil retries nothing.
	Retryable func(error) bool
	// Sleep waits d or until ctx ends, returning ctx's error then. Tests
	// replace it to run without waiting.
	Sleep func(ctx context.Context, d time.Duration) error
	// Jitter returns a number in [0, 1); rand.Float64 when nil.
	Jitter func() float64
}

// FromConfig is the policy of MAX_RETRIES (retries after the first attempt;
// 0 turns retries off) and RETRY_BACKOFF_MULTIPLIER; the decorators set its
// classifier for their port.
func FromConfig(maxRetries int, multiplier float64) Policy {
	return Policy{MaxAttempts: max(maxRetries, 0) + 1, Multiplier: multiplier}
}

func (p Policy) withDefaults() Policy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = DefaultMaxAttempts
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = DefaultBaseDelay
	}
	if p.Multiplier < 1 {
		p.Multiplier = DefaultMultiplier
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = DefaultMaxDelay
	}
	if p.Sleep == nil {
		p.Sleep = sleep
	}
	if p.Jitter == nil {
		p.Jitter = rand.Float64
	}
	return p
}

// Ceiling is the longest wait before attempt n+1 (n from 1): BaseDelay
// times Multiplier^(n-1), at most MaxDelay.
func (p Policy) Ceiling(n int) time.Duration {
	p = p.withDefaults()
	d := float64(p.BaseDelay) * math.Pow(p.Multiplier, float64(n-1))
	if d >= float64(p.MaxDelay) {
		return p.MaxDelay
	}
	return time.Duration(d)
}

// Retry calls op until it succeeds, fails with an error Retryable refuses,
// or has been called MaxAttempts times. Between attempts it waits a random
// time up to the ceiling ("full jitter"), so that instances retrying the
// same failed dependency spread out rather than arrive together. A failure
// after more than one attempt is returned wrapped with the attempt count;
// if ctx ends while waiting, the error matches both ctx's error and the
// last failure.
func Retry(ctx context.Context, p Policy, op func(context.Context) error) error {
	p = p.withDefaults()
	for n := 1; ; n++ {
		err := op(ctx)
		if err == nil {
			return nil
		}
		if p.Retryable == nil || !p.Retryable(err) || n >= p.MaxAttempts {
			if n == 1 {
				return err
			}
			return fmt.Errorf("after %d attempts: %w", n, err)
		}
		if cerr := ctx.Err(); cerr != nil {
			return fmt.Errorf("after %d attempts: %w: %w", n, cerr, err)
		}
		wait := time.Duration(p.Jitter() * float64(p.Ceiling(n)))
		if serr := p.Sleep(ctx, wait); serr != nil {
			return fmt.Errorf("after %d attempts: %w: %w", n, serr, err)
		}
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
