package resilience_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/resilience"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

var (
	errTransient = &storage.Error{Op: "put", Bucket: "b", Name: "n", Kind: storage.ErrTransient, Err: errors.New("503 backend unavailable")}
	errNotFound  = &storage.Error{Op: "get", Bucket: "b", Name: "n", Kind: storage.ErrNotFound}
)

// sleeps records the waits instead of waiting.
type sleeps []time.Duration

func (s *sleeps) sleep(_ context.Context, d time.Duration) error {
	*s = append(*s, d)
	return nil
}

// failing returns an operation failing with errs in turn, then succeeding,
// and the count of its calls.
func failing(errs ...error) (func(context.Context) error, *int) {
	calls := new(int)
	return func(context.Context) error {
		*calls++
		if *calls <= len(errs) {
			return errs[*calls-1]
		}
		return nil
	}, calls
}

func TestRetry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		attempts  int
		retryable func(error) bool
		errs      []error
		wantCalls int
		wantErr   error  // matched with errors.Is; nil for success
		wantMsg   string // prefix of the error, when set
	}{
		{name: "first try", attempts: 3, retryable: storage.IsTransient, wantCalls: 1},
		{name: "transient then success", attempts: 3, retryable: storage.IsTransient,
			errs: []error{errTransient, errTransient}, wantCalls: 3},
		{name: "stops at max attempts", attempts: 3, retryable: storage.IsTransient,
			errs: []error{errTransient, errTransient, errTransient, errTransient}, wantCalls: 3,
			wantErr: storage.ErrTransient, wantMsg: "after 3 attempts: "},
		{name: "not found is not retried", attempts: 3, retryable: storage.IsTransient,
			errs: []error{errNotFound}, wantCalls: 1, wantErr: storage.ErrNotFound},
		{name: "permanent after transient", attempts: 5, retryable: storage.IsTransient,
			errs: []error{errTransient, errNotFound}, wantCalls: 2, wantErr: storage.ErrNotFound, wantMsg: "after 2 attempts: "},
		{name: "one attempt means no retry", attempts: 1, retryable: storage.IsTransient,
			errs: []error{errTransient}, wantCalls: 1, wantErr: storage.ErrTransient},
		{name: "no classifier retries nothing", attempts: 3,
			errs: []error{errTransient}, wantCalls: 1, wantErr: storage.ErrTransient},
		{name: "default attempts", retryable: storage.IsTransient,
			errs: []error{errTransient, errTransient, errTransient}, wantCalls: resilience.DefaultMaxAttempts,
			wantErr: storage.ErrTransient},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var waited sleeps
			op, calls := failing(tc.errs...)
			err := resilience.Retry(t.Context(), resilience.Policy{
				MaxAttempts: tc.attempts, Retryable: tc.retryable, Sleep: waited.sleep,
			}, op)
			if *calls != tc.wantCalls {
				t.Errorf("calls = %d, want %d", *calls, tc.wantCalls)
			}
			if len(waited) != *calls-1 {
				t.Errorf("waited %d times for %d calls", len(waited), *calls)
			}
			switch {
			case tc.wantErr == nil && err != nil:
				t.Fatalf("err = %v, want success", err)
			case tc.wantErr != nil && !errors.Is(err, tc.wantErr):
				t.Fatalf("err = %v, want one matching %v", err, tc.wantErr)
			}
			if tc.wantMsg != "" && !strings.HasPrefix(err.Error(), tc.wantMsg) {
				t.Errorf("err = %q, want prefix %q", err, tc.wantMsg)
			}
		})
	}
}

func TestFromConfig(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ maxRetries, want int }{{-1, 1}, {0, 1}, {1, 2}, {3, 4}} {
		if p := resilience.FromConfig(tc.maxRetries, 2); p.MaxAttempts != tc.want || p.Multiplier != 2 {
			t.Errorf("FromConfig(%d, 2) = %+v, want %d attempts", tc.maxRetries, p, tc.want)
		}
	}
}

func TestRetryBackoff(t *testing.T) {
	tests := []struct {
		multiplier float64
		base, max  time.Duration
	}{
		{multiplier: 2, base: 100 * time.Millisecond, max: time.Hour},
		{multiplier: 1.5, base: 10 * time.Millisecond, max: time.Hour},
		{multiplier: 3, base: 50 * time.Millisecond, max: time.Second}, // capped from the 4th wait
	}
	const attempts = 8
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.multiplier), func(t *testing.T) {
			always := func(error) bool { return true }
			fail := func(context.Context) error { return errTransient }
			policy := resilience.Policy{MaxAttempts: attempts, BaseDelay: tc.base, MaxDelay: tc.max,
				Multiplier: tc.multiplier, Retryable: always}

			// With the largest jitter every wait is its ceiling, which grows
			// by the multiplier until the cap.
			var top sleeps
			policy.Sleep, policy.Jitter = top.sleep, func() float64 { return 1 }
			resilience.Retry(t.Context(), policy, fail)
			if len(top) != attempts-1 {
				t.Fatalf("%d waits, want %d", len(top), attempts-1)
			}
			want := float64(tc.base)
			for i, d := range top {
				if w := time.Duration(min(want, float64(tc.max))); absDiff(d, w) > time.Microsecond {
					t.Errorf("wait %d = %v, want %v", i+1, d, w)
				}
				want *= tc.multiplier
			}

			// Full jitter: each wait is anywhere in [0, ceiling].
			var jittered sleeps
			r := rand.New(rand.NewPCG(1, 2))
			policy.Sleep, policy.Jitter = jittered.sleep, r.Float64
			resilience.Retry(t.Context(), policy, fail)
			for i, d := range jittered {
				if c := policy.Ceiling(i + 1); d < 0 || d > c {
					t.Errorf("wait %d = %v, outside [0, %v]", i+1, d, c)
				}
			}
		})
	}
}

func absDiff(a, b time.Duration) time.Duration {
	if a > b {
		return a - b
	}
	return b - a
}

func TestRetryCancel(t *testing.T) {
	t.Run("while waiting", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		op, calls := failing(errTransient, errTransient, errTransient)
		err := resilience.Retry(ctx, resilience.Policy{
			MaxAttempts: 5, Retryable: storage.IsTransient,
			Sleep: func(ctx context.Context, _ time.Duration) error { cancel(); return ctx.Err() },
		}, op)
		if *calls != 1 || !errors.Is(err, context.Canceled) || !errors.Is(err, storage.ErrTransient) {
			t.Fatalf("calls = %d, err = %v; want 1 call and an error matching context.Canceled and the failure", *calls, err)
		}
	})
	t.Run("real timer", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
		defer cancel()
		begin := time.Now()
		op, calls := failing(errTransient, errTransient, errTransient)
		err := resilience.Retry(ctx, resilience.Policy{
			MaxAttempts: 3, BaseDelay: time.Hour, MaxDelay: time.Hour, Retryable: storage.IsTransient,
			Jitter: func() float64 { return 1 },
		}, op)
		if !errors.Is(err, context.DeadlineExceeded) || *calls != 1 {
			t.Fatalf("calls = %d, err = %v; want 1 call ended by the deadline", *calls, err)
		}
		if el := time.Since(begin); el > 5*time.Second {
			t.Fatalf("took %v: the wait ignored the context", el)
		}
	})
	t.Run("cancelled before a retry", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		calls := 0
		err := resilience.Retry(ctx, resilience.Policy{MaxAttempts: 5, Retryable: storage.IsTransient,
			Sleep: func(context.Context, time.Duration) error { return nil }},
			func(context.Context) error { calls++; cancel(); return errTransient })
		if calls != 1 || !errors.Is(err, context.Canceled) {
			t.Fatalf("calls = %d, err = %v; want 1 call and context.Canceled", calls, err)
		}
	})
}
