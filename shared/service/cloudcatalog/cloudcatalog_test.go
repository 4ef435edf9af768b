package cloudcatalog_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/sethvargo/go-envconfig"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog/sqlite"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/config"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/service"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/service/cloudcatalog"
)

// TestRegisteredWithService opens a service that needs the catalog through
// the opener this package registers: the catalog given is kept and the
// configured Elasticsearch index is opened beside it.
func TestRegisteredWithService(t *testing.T) {
	ctx := context.Background()
	cat, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	cfg, err := config.Load(ctx, config.Options{Lookuper: envconfig.MapLookuper(map[string]string{
		"GCS_BUCKET": "library", "BQ_PROJECT": "p", "ELASTICSEARCH_URL": "http://127.0.0.1:9200", "ES_API_KEY": "key",
	})})
	if err != nil {
		t.Fatal(err)
	}
	p, closeAll, err := service.OpenWith(ctx, cfg, service.Needs{Catalog: true}, service.Deps{Catalog: cat})
	if err != nil {
		t.Fatal(err)
	}
	defer closeAll()
	if p.Catalog != cat || p.Search == nil {
		t.Fatalf("catalog %T, search %T: want the given catalog and an index", p.Catalog, p.Search)
	}
	got, idx, closer, err := cloudcatalog.Open(ctx, cfg, cat)
	if err != nil || got != cat || idx == nil || closer != nil {
		t.Fatalf("Open: %T %T %v %v", got, idx, closer, err)
	}
}
