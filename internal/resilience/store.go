package resilience

import (
	"context"
	"errors"
	"io"
	"iter"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// StoreOptions configure Store.
type StoreOptions struct {
	// Breaker guards every call but SignedURL, which signs locally or
	// through IAM, not the bucket; none when nil.
	Breaker *Breaker
	// Retry repeats failures storage.IsTransient accepts (its Retryable is
	// ignored); no retries when nil.
	Retry *Policy
	// ClientRetries says the store's client already retries its idempotent
	// calls. cloud.google.com/go/storage does (reads, listings, and writes
	// and deletes carrying a generation condition), and repeating them here
	// would multiply its attempts; it leaves a Put or a Delete without a
	// condition alone, because the first try may have taken effect. The
	// pipeline may repeat those: an unconditional Put writes the same bytes
	// again (one more generation, whose event every consumer already
	// tolerates, as Eventarc delivers at least once), and an unconditional
	// Delete of a gone object answers ErrNotFound, which its callers accept.
	// So with ClientRetries only those two are retried here.
	ClientRetries bool
}

// Store returns s with its calls guarded by the breaker and retried under
// the policy. A Put is retried only when its body can be rewound (an
// io.Seeker, as the pipeline's bytes.Readers are); a listing only while it
// has yielded nothing, so no object is yielded twice.
func Store(s storage.Store, o StoreOptions) storage.Store {
	st := &store{Store: s, b: o.Breaker, clientRetries: o.ClientRetries}
	if o.Retry != nil {
		p := *o.Retry
		p.Retryable = retryable(storage.IsTransient)
		st.retry = &p
	}
	return st
}

// retryable refuses what an open breaker refused: waiting and trying again
// within one request would only meet the same open breaker.
func retryable(transient func(error) bool) func(error) bool {
	return func(err error) bool { return !errors.Is(err, ErrOpen) && transient(err) }
}

type store struct {
	storage.Store
	b             *Breaker
	retry         *Policy
	clientRetries bool
}

// call runs op once through the breaker, or under the retry policy when
// retry holds, each attempt through the breaker so that it counts every
// call the dependency actually saw.
func (s *store) call(ctx context.Context, retry bool, op func(context.Context) error) error {
	attempt := func(ctx context.Context) error {
		if s.b == nil {
			return op(ctx)
		}
		return s.b.Do(func() error { return op(ctx) })
	}
	if !retry || s.retry == nil {
		return attempt(ctx)
	}
	return Retry(ctx, *s.retry, attempt)
}

// retries reports whether an operation is retried here: every one when the
// client does not retry, else only those without a condition.
func (s *store) retries(cond storage.Condition) bool {
	if !s.clientRetries {
		return true
	}
	_, guarded := cond.Generation()
	return !guarded
}

func (s *store) Get(ctx context.Context, name string, opts *storage.ReadOptions) (*storage.Reader, error) {
	var r *storage.Reader
	err := s.call(ctx, !s.clientRetries, func(ctx context.Context) (err error) {
		r, err = s.Store.Get(ctx, name, opts)
		return err
	})
	return r, err
}

func (s *store) Stat(ctx context.Context, name string, opts *storage.ReadOptions) (storage.Attrs, error) {
	var a storage.Attrs
	err := s.call(ctx, !s.clientRetries, func(ctx context.Context) (err error) {
		a, err = s.Store.Stat(ctx, name, opts)
		return err
	})
	return a, err
}

func (s *store) Put(ctx context.Context, name string, body io.Reader, opts *storage.PutOptions) (storage.Attrs, error) {
	var cond storage.Condition
	if opts != nil {
		cond = opts.If
	}
	retry := s.retries(cond)
	seeker, canRewind := body.(io.Seeker)
	var start int64
	if retry && canRewind {
		var err error
		if start, err = seeker.Seek(0, io.SeekCurrent); err != nil {
			canRewind = false
		}
	}
	var (
		a     storage.Attrs
		tries int
	)
	err := s.call(ctx, retry && canRewind, func(ctx context.Context) (err error) {
		if tries++; tries > 1 {
			if _, err := seeker.Seek(start, io.SeekStart); err != nil {
				return &storage.Error{Op: "put", Bucket: s.Bucket(), Name: name, Err: err}
			}
		}
		a, err = s.Store.Put(ctx, name, body, opts)
		return err
	})
	return a, err
}

func (s *store) Delete(ctx context.Context, name string, opts *storage.DeleteOptions) error {
	var cond storage.Condition
	if opts != nil {
		cond = opts.If
	}
	return s.call(ctx, s.retries(cond), func(ctx context.Context) error {
		return s.Store.Delete(ctx, name, opts)
	})
}

func (s *store) List(ctx context.Context, opts *storage.ListOptions) iter.Seq2[storage.Attrs, error] {
	return func(yield func(storage.Attrs, error) bool) {
		var yielded, stopped bool
		op := func(ctx context.Context) error {
			for a, err := range s.Store.List(ctx, opts) {
				if err != nil {
					return err
				}
				yielded = true
				if !yield(a, nil) {
					stopped = true
					return nil
				}
			}
			return nil
		}
		attempt := func(ctx context.Context) error {
			if s.b == nil {
				return op(ctx)
			}
			return s.b.Do(func() error { return op(ctx) })
		}
		var err error
		if s.retry == nil || s.clientRetries {
			err = attempt(ctx)
		} else {
			// Starting over after objects were yielded would yield them
			// again.
			p := *s.retry
			p.Retryable = func(err error) bool { return !yielded && s.retry.Retryable(err) }
			err = Retry(ctx, p, attempt)
		}
		if err != nil && !stopped {
			yield(storage.Attrs{}, err)
		}
	}
}
