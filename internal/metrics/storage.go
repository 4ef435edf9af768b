package metrics

import (
	"context"
	"errors"
	"io"
	"iter"
	"strconv"
	"time"

	"google.golang.org/api/googleapi"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// Store returns s timed and counted per operation: gcs_api_duration_seconds
// and gcs_api_errors_total. The local directory store is counted under the
// same names, so the dashboards read the same on a workstation.
func (m *Metrics) Store(s storage.Store) storage.Store {
	return &store{Store: s, m: m}
}

type store struct {
	storage.Store
	m *Metrics
}

func (s *store) observe(op string, begin time.Time, err error) {
	s.m.GCSDuration.WithLabelValues(op).Observe(time.Since(begin).Seconds())
	// A store that cannot sign URLs (a local directory) is answering as
	// designed, not failing.
	if err != nil && !errors.Is(err, storage.ErrUnsupported) {
		s.m.GCSErrors.WithLabelValues(op, ErrorCode(err)).Inc()
	}
}

func (s *store) Get(ctx context.Context, name string, opts *storage.ReadOptions) (*storage.Reader, error) {
	begin := time.Now()
	r, err := s.Store.Get(ctx, name, opts)
	s.observe("get", begin, err)
	return r, err
}

func (s *store) Stat(ctx context.Context, name string, opts *storage.ReadOptions) (storage.Attrs, error) {
	begin := time.Now()
	a, err := s.Store.Stat(ctx, name, opts)
	s.observe("stat", begin, err)
	return a, err
}

func (s *store) Put(ctx context.Context, name string, body io.Reader, opts *storage.PutOptions) (storage.Attrs, error) {
	begin := time.Now()
	a, err := s.Store.Put(ctx, name, body, opts)
	s.observe("put", begin, err)
	return a, err
}

func (s *store) Delete(ctx context.Context, name string, opts *storage.DeleteOptions) error {
	begin := time.Now()
	err := s.Store.Delete(ctx, name, opts)
	s.observe("delete", begin, err)
	return err
}

// List is timed from the first page request to the end of the iteration,
// which is when the caller has what it asked for.
func (s *store) List(ctx context.Context, opts *storage.ListOptions) iter.Seq2[storage.Attrs, error] {
	return func(yield func(storage.Attrs, error) bool) {
		begin := time.Now()
		var failed error
		defer func() { s.observe("list", begin, failed) }()
		for a, err := range s.Store.List(ctx, opts) {
			if err != nil {
				failed = err
			}
			if !yield(a, err) {
				return
			}
		}
	}
}

func (s *store) SignedURL(name string, ttl time.Duration) (string, error) {
	begin := time.Now()
	u, err := s.Store.SignedURL(name, ttl)
	s.observe("sign", begin, err)
	return u, err
}

// ErrorCode is the code label of a failed storage call: the HTTP status of
// a Cloud Storage API error, else the kind of storage error.
func ErrorCode(err error) string {
	var ge *googleapi.Error
	if errors.As(err, &ge) && ge.Code != 0 {
		return strconv.Itoa(ge.Code)
	}
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return "not_found"
	case errors.Is(err, storage.ErrPreconditionFailed):
		return "precondition_failed"
	case errors.Is(err, storage.ErrInvalidName):
		return "invalid_name"
	case errors.Is(err, storage.ErrUnsupported):
		return "unsupported"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case storage.IsTransient(err):
		return "transient"
	}
	return "other"
}
