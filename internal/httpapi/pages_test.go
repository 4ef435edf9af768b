package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/catalogcache"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/httpapi"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/sqlite"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog/catalogtest"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// catalogs are the read paths the API runs on: the store itself (SQLite,
// as the local pipeline ran before the cache) and the cache over it.
var catalogs = []string{"store", "cache"}

// listEnv is an API over a catalog of reads, with the store underneath to
// append to as the metadata-sync service would; refresh makes what was
// appended visible through the cache.
type listEnv struct {
	h       http.Handler
	store   *sqlite.Store
	refresh func()
}

func newListEnv(t *testing.T, read string) *listEnv {
	t.Helper()
	env := pipelinetest.New(t, "localdir")
	store := env.P.Catalog.(*sqlite.Store)
	e := &listEnv{store: store, refresh: func() {}}
	if read == "cache" {
		c := catalogcache.New(store, store, catalogcache.Options{Log: pipelinetest.Logger(t)})
		if err := c.Refresh(context.Background()); err != nil {
			t.Fatal(err)
		}
		env.P.Catalog = c
		e.refresh = func() {
			if err := c.Refresh(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
	}
	e.h = (&httpapi.API{P: env.P, Log: pipelinetest.Logger(t)}).Handler()
	return e
}

func (e *listEnv) append(t *testing.T, rows ...catalog.Row) {
	t.Helper()
	if err := e.store.Append(context.Background(), rows...); err != nil {
		t.Fatal(err)
	}
	e.refresh()
}

// page is a GET /blends or /seeds answer.
type page struct {
	Blends     []map[string]any `json:"blends"`
	Seeds      []map[string]any `json:"seeds"`
	Count      *int             `json:"count"`
	NextCursor string           `json:"next_cursor"`
	Error      string           `json:"error"`
	Field      string           `json:"field"`
}

func get(t testing.TB, h http.Handler, target string) (int, page) {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", target, nil))
	var p page
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
		t.Fatalf("GET %s: HTTP %d, body not JSON: %q", target, w.Code, w.Body)
	}
	return w.Code, p
}

func blendName(i int) string { return fmt.Sprintf("blend/p%03d.fbx", i) }

// Walking GET /blends by next_cursor while blends are synced and deleted
// between pages lists every blend live throughout exactly once, in order;
// the last page has no next_cursor.
func TestPagesAreStableUnderConcurrentSyncs(t *testing.T) {
	t.Parallel()
	for _, read := range catalogs {
		t.Run(read, func(t *testing.T) {
			t.Parallel()
			e := newListEnv(t, read)
			var rows []catalog.Row
			for i := range 30 {
				rows = append(rows, catalogtest.Blend(blendName(2*i), 1, "seed/a.fbx"))
			}
			rows = append(rows, catalogtest.Seed("seed/a.fbx", 1))
			e.append(t, rows...)
			var seen []string
			target := "/blends?limit=7"
			for n := 0; ; n++ {
				code, p := get(t, e.h, target)
				if code != http.StatusOK || p.Count == nil || *p.Count != len(p.Blends) {
					t.Fatalf("GET %s: HTTP %d %+v", target, code, p)
				}
				for _, b := range p.Blends {
					seen = append(seen, b["name"].(string))
				}
				if p.NextCursor == "" {
					break
				}
				if len(p.Blends) != 7 {
					t.Errorf("page %d: %d blends and a next_cursor; want 7", n, len(p.Blends))
				}
				// Behind the cursor, ahead of it, and a delete ahead of it.
				del := catalogtest.Blend(blendName(40), 1)
				del.Deleted = true
				e.append(t, catalogtest.Blend(blendName(2*n+1), 1, "seed/a.fbx"), del)
				target = "/blends?limit=7&cursor=" + url.QueryEscape(p.NextCursor)
				if n > 10 {
					t.Fatalf("more than 10 pages: %q", seen)
				}
			}
			if !slices.IsSorted(seen) || len(slices.Compact(slices.Clone(seen))) != len(seen) {
				t.Fatalf("pages out of order or repeating: %q", seen)
			}
			for i := range 30 {
				if name := blendName(2 * i); !slices.Contains(seen, name) && name != blendName(40) {
					t.Errorf("%s, live throughout, was on no page", name)
				}
			}
			if slices.Contains(seen, blendName(40)) {
				t.Errorf("%s, deleted before its page, was listed", blendName(40))
			}
		})
	}
}

// The answers of clients written before pages: no parameters give every
// row under the key and count, without next_cursor.
func TestListWithoutCursorIsUnchanged(t *testing.T) {
	t.Parallel()
	for _, read := range catalogs {
		t.Run(read, func(t *testing.T) {
			t.Parallel()
			e := newListEnv(t, read)
			walk, run := catalogtest.Seed("seed/walk.fbx", 1), catalogtest.Seed("seed/run.fbx", 2)
			run.Clip, run.Rig = "running", "mixamo-female"
			trans := catalogtest.Blend("blend/t.fbx", 3, walk.Name, run.Name)
			trans.Method = "transition"
			e.append(t, walk, run, catalogtest.Blend("blend/m.fbx", 4, walk.Name), trans)
			cases := []struct {
				target string
				want   []string
			}{
				{"/seeds", []string{"seed/run.fbx", "seed/walk.fbx"}},
				{"/seeds?rig=mixamo-female", []string{"seed/run.fbx"}},
				{"/seeds?clip=walking", []string{"seed/walk.fbx"}},
				{"/blends", []string{"blend/m.fbx", "blend/t.fbx"}},
				{"/blends?method=transition", []string{"blend/t.fbx"}},
				{"/blends?source=seed/run.fbx", []string{"blend/t.fbx"}},
				{"/blends?limit=2", []string{"blend/m.fbx", "blend/t.fbx"}},
			}
			for _, c := range cases {
				code, p := get(t, e.h, c.target)
				var got []string
				for _, r := range slices.Concat(p.Blends, p.Seeds) {
					got = append(got, r["name"].(string))
				}
				if code != http.StatusOK || !slices.Equal(got, c.want) || p.Count == nil || *p.Count != len(c.want) || p.NextCursor != "" {
					t.Errorf("GET %s: HTTP %d %q count %v next %q; want %q and no next_cursor", c.target, code, got, p.Count, p.NextCursor, c.want)
				}
			}
		})
	}
}

// Bad paging parameters are refused with 400 naming the parameter.
func TestBadPageParameters(t *testing.T) {
	t.Parallel()
	e := newListEnv(t, "cache")
	e.append(t, catalogtest.Blend("blend/a.fbx", 1, "seed/a.fbx"), catalogtest.Blend("blend/b.fbx", 1, "seed/a.fbx"),
		catalogtest.Seed("seed/a.fbx", 1), catalogtest.Seed("seed/b.fbx", 1))
	_, blends := get(t, e.h, "/blends?limit=1")
	_, seeds := get(t, e.h, "/seeds?limit=1")
	_, rig := get(t, e.h, "/blends?limit=1&rig=mixamo")
	if blends.NextCursor == "" || seeds.NextCursor == "" || rig.NextCursor == "" {
		t.Fatalf("no next_cursor on a first page of 1 of 2: %q %q %q", blends.NextCursor, seeds.NextCursor, rig.NextCursor)
	}
	cases := []struct {
		desc, target, field, says string
	}{
		{"limit zero", "/blends?limit=0", "limit", "1 to 10000"},
		{"limit above the max", "/blends?limit=10001", "limit", "1 to 10000"},
		{"limit not a number", "/seeds?limit=ten", "limit", `"ten"`},
		{"cursor not base64", "/blends?cursor=%25%25", "cursor", "not a cursor"},
		{"cursor not JSON", "/blends?cursor=bm90LWpzb24", "cursor", "not a cursor"},
		{"cursor too long", "/blends?cursor=" + strings.Repeat("A", 3000), "cursor", "more than"},
		{"a seeds cursor on blends", "/blends?cursor=" + seeds.NextCursor, "cursor", "other filters"},
		{"cursor of other filters", "/blends?rig=mixamo-female&cursor=" + rig.NextCursor, "cursor", "other filters"},
	}
	for _, c := range cases {
		code, p := get(t, e.h, c.target)
		if code != http.StatusBadRequest || p.Field != c.field || !strings.Contains(p.Error, c.says) {
			t.Errorf("%s: HTTP %d field %q error %q; want 400 naming %q, saying %q", c.desc, code, p.Field, p.Error, c.field, c.says)
		}
	}
	if code, p := get(t, e.h, "/blends?limit=1&rig=mixamo&cursor="+rig.NextCursor); code != http.StatusOK || len(p.Blends) != 1 || p.Blends[0]["name"] != "blend/b.fbx" {
		t.Errorf("second page with the same filters: HTTP %d %+v", code, p)
	}
}

// fixedFeed answers a fixed set of rows, for benchmarks that need a large
// catalog without loading a store.
type fixedFeed []catalog.Row

func (f fixedFeed) Changed(context.Context, time.Time) ([]catalog.Row, error) { return f, nil }

// BenchmarkListBlends is GET /blends (the default page of 1000) and a page
// of 100 after a cursor, through the handler, with 100,000 current rows in
// the cache.
func BenchmarkListBlends(b *testing.B) {
	rows := make(fixedFeed, 0, 100_000)
	for i := range 100_000 {
		if i%10 == 0 {
			rows = append(rows, catalogtest.Blend(fmt.Sprintf("blend/%06d.fbx", i), int64(i+1), "seed/a.fbx", "seed/b.fbx"))
		} else {
			rows = append(rows, catalogtest.Seed(fmt.Sprintf("seed/mixamo/%06d.fbx", i), int64(i+1)))
		}
	}
	env := pipelinetest.New(b, "localdir")
	c := catalogcache.New(env.P.Catalog, rows, catalogcache.Options{Log: pipelinetest.Logger(b)})
	if err := c.Refresh(context.Background()); err != nil {
		b.Fatal(err)
	}
	env.P.Catalog = c
	h := (&httpapi.API{P: env.P, Log: pipelinetest.Logger(b)}).Handler()
	_, first := get(b, h, "/seeds?limit=10000")
	for _, target := range []string{"/blends", "/seeds?limit=100&cursor=" + first.NextCursor} {
		name := strings.SplitN(strings.TrimPrefix(target, "/"), "&", 2)[0]
		b.Run(name, func(b *testing.B) {
			var lat []time.Duration
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				t0 := time.Now()
				h.ServeHTTP(w, httptest.NewRequest("GET", target, nil))
				lat = append(lat, time.Since(t0))
				if w.Code != http.StatusOK {
					b.Fatalf("HTTP %d %s", w.Code, w.Body)
				}
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}

// signing counts the URLs the library signs.
type signing struct {
	storage.Store
	n atomic.Int64
}

func (s *signing) SignedURL(name string, ttl time.Duration) (string, error) {
	s.n.Add(1)
	return "https://signed.example/" + name + "?ttl=" + ttl.String(), nil
}

// A poll of the same page reuses the URLs signed for the one before: on
// Cloud Run each signature is an IAM call.
func TestPollsReuseSignedURLs(t *testing.T) {
	t.Parallel()
	env := pipelinetest.New(t, "localdir")
	lib := &signing{Store: env.P.Library}
	env.P.Library = lib
	b := catalogtest.Blend("blend/a.fbx", 1, "seed/a.fbx") // with a preview: three URLs
	if err := env.P.Catalog.Append(context.Background(), b, catalogtest.Seed("seed/a.fbx", 1)); err != nil {
		t.Fatal(err)
	}
	h := (&httpapi.API{P: env.P, Log: pipelinetest.Logger(t)}).Handler()
	for range 3 {
		code, p := get(t, h, "/blends")
		if code != http.StatusOK || len(p.Blends) != 1 || p.Blends[0]["url"] != "https://signed.example/blend/a.fbx?ttl=15m0s" || p.Blends[0]["preview_url"] == nil {
			t.Fatalf("GET /blends: HTTP %d %+v", code, p)
		}
	}
	if n := lib.n.Load(); n != 3 {
		t.Errorf("three polls of one blend signed %d URLs, want its 3 once", n)
	}
}
