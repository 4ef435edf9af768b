package app

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/catalogcache"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/sqlite"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog/catalogtest"
)

// A binary that serves catalogue reads gets them from the cache, which
// Start keeps refreshing and /health shows; one that does not, or has
// the cache turned off, reads the store.
func TestCatalogReadsComeFromTheCache(t *testing.T) {
	t.Parallel()
	cases := []struct {
		desc      string
		reads     bool
		refresh   time.Duration
		wantCache bool
	}{
		{"serves reads", true, 20 * time.Millisecond, true},
		{"serves reads, cache off", true, -1, false},
		{"syncs only", false, 0, false},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), sqlite.FileName)
			cat, err := sqlite.Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			a, err := Build(Needs{Catalog: true, CatalogReads: c.reads}, Ports{Catalog: cat, Closers: []io.Closer{cat}}, Options{CatalogRefresh: c.refresh})
			if err != nil {
				t.Fatal(err)
			}
			_, isCache := a.Pipeline.Catalog.(*catalogcache.Cache)
			if isCache != c.wantCache || (a.CatalogCache != nil) != c.wantCache {
				t.Fatalf("catalog is %T, CatalogCache %v; want a cache: %v", a.Pipeline.Catalog, a.CatalogCache, c.wantCache)
			}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			srv, err := a.Start(ctx, http.NotFoundHandler(), ServeOptions{Listener: ln})
			if err != nil {
				t.Fatal(err)
			}
			defer func() { srv.Stop(); a.Close() }()
			// Another writer's row reaches the reads.
			other, err := sqlite.Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			defer other.Close()
			if err := other.Append(ctx, catalogtest.Seed("seed/a.fbx", 1)); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(10 * time.Second)
			for {
				rows, err := a.Pipeline.Catalog.Current(ctx, catalog.Filter{})
				if err == nil && len(rows) == 1 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the row another writer appended is not read after 10 s: %v %v", rows, err)
				}
				time.Sleep(10 * time.Millisecond)
			}
			w := httptest.NewRecorder()
			a.Handler(http.NotFoundHandler()).ServeHTTP(w, httptest.NewRequest("GET", "/health", nil))
			var body map[string]any
			json.Unmarshal(w.Body.Bytes(), &body)
			comps, _ := body["components"].(map[string]any)
			if _, shown := comps["catalog-cache"]; shown != c.wantCache || comps["catalog"] == nil {
				t.Errorf("/health components %v; want catalog, and catalog-cache: %v", comps, c.wantCache)
			}
		})
	}
}
