package pipelinetest

import (
	"context"
	"errors"
	"io"
	"iter"
	"sync"
	"time"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// Recorder keeps bucket changes in order, as Eventarc would deliver them.
type Recorder struct {
	mu     sync.Mutex
	events []storage.Event
}

// Record is a localdir OnChange hook.
func (r *Recorder) Record(_ context.Context, ev storage.Event) {
	r.mu.Lock()
	r.events = append(r.events, ev)
	r.mu.Unlock()
}

// Take returns the changes recorded since the last Take.
func (r *Recorder) Take() []storage.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.events
	r.events = nil
	return out
}

// recording reports the changes made through a GCS store the way Cloud
// Storage notifies them on a bucket without versioning, as New's are: a
// finalize per write, preceded by a delete of the generation an overwrite
// replaces. Notify collects what fake-gcs-server itself publishes, for
// buckets with versioning too.
type recording struct {
	storage.Store
	rec *Recorder
}

func (s *recording) Put(ctx context.Context, name string, body io.Reader, opts *storage.PutOptions) (storage.Attrs, error) {
	prev, perr := s.Store.Stat(ctx, name, nil)
	a, err := s.Store.Put(ctx, name, body, opts)
	if err != nil {
		return a, err
	}
	if perr == nil {
		s.rec.Record(ctx, storage.Event{Type: storage.ObjectDeleted, Object: prev})
	} else if !errors.Is(perr, storage.ErrNotFound) {
		return a, perr
	}
	s.rec.Record(ctx, storage.Event{Type: storage.ObjectFinalized, Object: a})
	return a, nil
}

func (s *recording) Delete(ctx context.Context, name string, opts *storage.DeleteOptions) error {
	prev, err := s.Store.Stat(ctx, name, nil)
	if err != nil {
		return err
	}
	if err := s.Store.Delete(ctx, name, opts); err != nil {
		return err
	}
	s.rec.Record(ctx, storage.Event{Type: storage.ObjectDeleted, Object: prev})
	return nil
}

func (s *recording) List(ctx context.Context, opts *storage.ListOptions) iter.Seq2[storage.Attrs, error] {
	return s.Store.List(ctx, opts)
}

func (s *recording) SignedURL(name string, ttl time.Duration) (string, error) {
	return s.Store.SignedURL(name, ttl)
}
