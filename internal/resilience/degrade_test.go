package resilience_test

import (
	"testing"
	"time"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/localdir"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/resilience"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/sqlite"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// The metadata sync with its dependencies down: Elasticsearch down costs
// nothing (the row is appended and the failure logged), the catalog down
// fails the event as unavailable so that Eventarc redelivers it.
func TestSyncDegrades(t *testing.T) {
	t.Parallel()
	lib, err := localdir.Open(t.TempDir(), localdir.Options{Bucket: "library"})
	if err != nil {
		t.Fatal(err)
	}
	cat, err := sqlite.Open(t.Context(), t.TempDir()+"/"+sqlite.FileName)
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	br := resilience.NewBreakers(resilience.BreakerSettings{Failures: 2, Timeout: time.Hour})
	es := &failingIndex{}
	p := &pipeline.Pipeline{Library: lib, Log: pipelinetest.Logger(t),
		Catalog: resilience.Catalog(cat, resilience.CatalogOptions{Breaker: br.BigQuery}),
		Search:  resilience.Index(es, br.Elasticsearch)}
	event := func(gen int64) storage.Event {
		return storage.Event{Type: storage.ObjectFinalized, Object: storage.Attrs{
			Bucket: "library", Name: "seed/xbot/idle.fbx", Generation: gen, Size: 10, Created: time.Now(),
			Metadata: map[string]string{library.MetaSHA256: "00"},
		}}
	}
	for gen := int64(1); gen <= 4; gen++ {
		if ok, err := p.Sync(t.Context(), event(gen), "ev"); !ok || err != nil {
			t.Fatalf("sync gen %d with the index down: %v, %v; want appended", gen, ok, err)
		}
	}
	if es.calls != 2 || br.Elasticsearch.State() != resilience.Open {
		t.Errorf("index called %d times, breaker %v; want 2 and open", es.calls, br.Elasticsearch.State())
	}
	row, err := cat.Get(t.Context(), "seed/xbot/idle.fbx")
	if err != nil || row.Generation != 4 {
		t.Fatalf("current row %+v, %v; want generation 4", row, err)
	}

	// The catalog down: the breaker opens, and the sync fails fast as
	// unavailable.
	p.Catalog = resilience.Catalog(&failingCatalog{err: errTransient}, resilience.CatalogOptions{Breaker: br.BigQuery})
	for gen := int64(5); gen <= 7; gen++ {
		_, err := p.Sync(t.Context(), event(gen), "ev")
		if pipeline.KindOf(err) != pipeline.KindUnavailable {
			t.Fatalf("sync gen %d with the catalog down: %v (kind %v), want unavailable", gen, err, pipeline.KindOf(err))
		}
	}
	if br.BigQuery.State() != resilience.Open {
		t.Errorf("bigquery breaker %v, want open", br.BigQuery.State())
	}
}
