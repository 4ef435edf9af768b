package catalogcache_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/catalogcache"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/sqlite"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog/catalogtest"
)

// BenchmarkReadPathSQLite is the local pipeline's GET /blends query (the
// default page of 1000 blends) read from SQLite per request and from the
// cache, over READPATH_ROWS names (10,000 by default), a tenth of them
// blends.
func BenchmarkReadPathSQLite(b *testing.B) {
	n := 10_000
	if s := os.Getenv("READPATH_ROWS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n < 100 {
			b.Fatalf("READPATH_ROWS=%q: want a number of at least 100", s)
		}
	}
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), sqlite.FileName))
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	rows := make([]catalog.Row, 0, n)
	for i := range n {
		if i%10 == 0 {
			rows = append(rows, catalogtest.Blend(fmt.Sprintf("blend/b%07d.fbx", i), int64(i+1), "seed/a.fbx"))
		} else {
			rows = append(rows, catalogtest.Seed(fmt.Sprintf("seed/mixamo/s%07d.fbx", i), int64(i+1)))
		}
	}
	for start := 0; start < n; start += 5000 {
		if err := store.Append(ctx, rows[start:min(start+5000, n)]...); err != nil {
			b.Fatal(err)
		}
	}
	cache := catalogcache.New(store, store, catalogcache.Options{Refresh: time.Hour, Log: slog.New(slog.DiscardHandler)})
	if err := cache.Refresh(ctx); err != nil {
		b.Fatal(err)
	}
	f := catalog.Filter{Kind: catalog.KindBlend, Limit: 1001}
	for _, c := range []struct {
		name string
		s    catalog.Store
	}{{"store", store}, {"cache", cache}} {
		b.Run(fmt.Sprintf("%s-%d", c.name, n), func(b *testing.B) {
			var lat []time.Duration
			for b.Loop() {
				t0 := time.Now()
				got, err := c.s.Current(ctx, f)
				lat = append(lat, time.Since(t0))
				if err != nil || len(got) != min(1001, (n+9)/10) {
					b.Fatalf("%d rows, %v", len(got), err)
				}
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}
