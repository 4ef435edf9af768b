package pipeline_test

import (
	"context"
	"fmt"
	"io"
	"iter"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// backends are the object stores the pipeline runs on.
var backends = pipelinetest.Backends

// newPipeline returns a pipeline over an uploads and a library bucket of the
// backend and a SQLite catalog.
func newPipeline(t testing.TB, backend string) *pipeline.Pipeline {
	t.Helper()
	return pipelinetest.New(t, backend).P
}

// faultyStore fails reads or writes with a transient error while failing is
// set, and counts the reads it serves.
type faultyStore struct {
	storage.Store
	failGets, failPuts atomic.Bool
	gets               atomic.Int64
}

func (f *faultyStore) transient(op, name string) error {
	return &storage.Error{Op: op, Bucket: f.Bucket(), Name: name, Kind: storage.ErrTransient, Err: fmt.Errorf("503 backend unavailable")}
}

func (f *faultyStore) Get(ctx context.Context, name string, o *storage.ReadOptions) (*storage.Reader, error) {
	f.gets.Add(1)
	if f.failGets.Load() {
		return nil, f.transient("get", name)
	}
	return f.Store.Get(ctx, name, o)
}

func (f *faultyStore) Put(ctx context.Context, name string, body io.Reader, o *storage.PutOptions) (storage.Attrs, error) {
	if f.failPuts.Load() {
		return storage.Attrs{}, f.transient("put", name)
	}
	return f.Store.Put(ctx, name, body, o)
}

func (f *faultyStore) List(ctx context.Context, o *storage.ListOptions) iter.Seq2[storage.Attrs, error] {
	return f.Store.List(ctx, o)
}

func (f *faultyStore) SignedURL(name string, ttl time.Duration) (string, error) {
	return f.Store.SignedURL(name, ttl)
}
