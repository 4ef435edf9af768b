package pipeline_test

import (
	"context"
	"errors"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

func TestSyncCatalogDownIsAnError(t *testing.T) {
	t.Parallel()
	p := newPipeline(t, "localdir")
	obj := pipelinetest.Put(t, p.Library, "seed/r/x.fbx", []byte("x"))
	p.Catalog.Close()
	obj.Metadata = map[string]string{library.MetaSHA256: "00"}
	if _, err := p.Sync(context.Background(), storage.Event{Type: storage.ObjectFinalized, Object: obj}, ""); err == nil {
		t.Error("a sync the catalog did not record returned no error; the event would not be redelivered")
	}
}

type downIndex struct{ calls int }

func (d *downIndex) Put(context.Context, catalog.Row) error {
	d.calls++
	return errors.New("dial tcp 127.0.0.1:9200: connect: connection refused")
}

func TestSyncSucceedsWithSearchDown(t *testing.T) {
	t.Parallel()
	p := newPipeline(t, "localdir")
	idx := &downIndex{}
	p.Search = idx
	obj := pipelinetest.Put(t, p.Library, "seed/r/x.fbx", []byte("x"))
	obj.Metadata = map[string]string{library.MetaSHA256: "00"}
	ok, err := p.Sync(context.Background(), storage.Event{Type: storage.ObjectFinalized, Object: obj}, "")
	if err != nil || !ok || idx.calls != 1 {
		t.Fatalf("sync = %v, %v (index called %d times), want success", ok, err, idx.calls)
	}
	if _, err := p.Catalog.Get(context.Background(), obj.Name); err != nil {
		t.Errorf("row not appended: %v", err)
	}
}
