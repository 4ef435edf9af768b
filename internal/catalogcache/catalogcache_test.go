package catalogcache_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/catalogcache"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/sqlite"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog/catalogtest"
)

// counting counts the store's reads, to show which ones reach it.
type counting struct {
	*sqlite.Store
	current, get, changed atomic.Int64
	fail                  atomic.Bool
}

func (c *counting) Current(ctx context.Context, f catalog.Filter) ([]catalog.Row, error) {
	c.current.Add(1)
	return c.Store.Current(ctx, f)
}

func (c *counting) Get(ctx context.Context, name string) (catalog.Row, error) {
	c.get.Add(1)
	return c.Store.Get(ctx, name)
}

func (c *counting) Changed(ctx context.Context, since time.Time) ([]catalog.Row, error) {
	c.changed.Add(1)
	if c.fail.Load() {
		return nil, errors.New("backend unavailable")
	}
	return c.Store.Changed(ctx, since)
}

// open returns two handles on one database: the cache's and another
// writer's, as another instance (the metadata-sync service) would append.
func open(t *testing.T) (mine *counting, other *sqlite.Store) {
	t.Helper()
	path := filepath.Join(t.TempDir(), sqlite.FileName)
	a, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(); b.Close() })
	return &counting{Store: a}, b
}

type unclosed struct{ *catalogcache.Cache }

func (unclosed) Close() error { return nil }

// The cache meets the contract every store meets, read from memory.
func TestContract(t *testing.T) {
	t.Parallel()
	catalogtest.Run(t, catalogtest.Harness{New: func(t *testing.T) catalog.Store {
		s, _ := open(t)
		c := catalogcache.New(s, s, catalogcache.Options{})
		if err := c.Refresh(context.Background()); err != nil {
			t.Fatal(err)
		}
		return unclosed{c}
	}})
}

// clock is a settable time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

func names(rows []catalog.Row) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r.Name)
	}
	return out
}

// Rows another writer appends, deletes among them, reach the cache on its
// next refresh and not before, and no read reaches the store once loaded.
func TestRefreshFollowsOtherWriters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	mine, other := open(t)
	t0 := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	clk := &clock{t: t0}
	c := catalogcache.New(mine, mine, catalogcache.Options{Refresh: time.Second, Overlap: 30 * time.Second, Now: clk.Now})

	at := func(r catalog.Row, d time.Duration) catalog.Row { r.SyncedAt = t0.Add(d); return r }
	del := func(r catalog.Row) catalog.Row { r.Deleted = true; return r }
	walk, run, old := catalogtest.Seed("seed/walk.fbx", 1), catalogtest.Seed("seed/run.fbx", 1), catalogtest.Seed("seed/old.fbx", 1)
	if err := other.Append(ctx, at(walk, -time.Hour), at(old, -time.Hour), at(del(old), -time.Hour+time.Second)); err != nil {
		t.Fatal(err)
	}
	// Before the first load, reads go to the store.
	if got, err := c.Current(ctx, catalog.Filter{}); err != nil || len(got) != 1 || mine.current.Load() != 1 {
		t.Fatalf("before loading: %q, %v, %d store reads; want the store's one row", names(got), err, mine.current.Load())
	}
	if err := c.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		desc   string
		append []catalog.Row
		want   []string
	}{
		{"loaded", nil, []string{"seed/walk.fbx"}},
		{"a new seed", []catalog.Row{at(run, time.Second)}, []string{"seed/run.fbx", "seed/walk.fbx"}},
		{"synced before the last refresh began, visible only after it (within the overlap)",
			[]catalog.Row{at(catalogtest.Seed("seed/late.fbx", 1), -20*time.Second)}, []string{"seed/late.fbx", "seed/run.fbx", "seed/walk.fbx"}},
		{"a delete", []catalog.Row{at(del(walk), 3*time.Second)}, []string{"seed/late.fbx", "seed/run.fbx"}},
		{"a redelivered finalize of a generation deleted an hour ago", []catalog.Row{at(old, 4*time.Second)}, []string{"seed/late.fbx", "seed/run.fbx"}},
		{"a new generation of a deleted name", []catalog.Row{at(catalogtest.Seed("seed/walk.fbx", 2), 5*time.Second)}, []string{"seed/late.fbx", "seed/run.fbx", "seed/walk.fbx"}},
	}
	var prev []string
	for i, s := range steps {
		if err := other.Append(ctx, s.append...); err != nil {
			t.Fatal(err)
		}
		if before, _ := c.Current(ctx, catalog.Filter{}); i > 0 && !slices.Equal(names(before), prev) {
			t.Errorf("%s: the cache changed before a refresh: %q, was %q", s.desc, names(before), prev)
		}
		prev = s.want
		clk.Set(t0.Add(time.Duration(i+1) * time.Second))
		if err := c.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		got, err := c.Current(ctx, catalog.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if g := names(got); !slices.Equal(g, s.want) {
			t.Errorf("%s: %q, want %q", s.desc, g, s.want)
		}
	}
	if _, err := c.Get(ctx, "seed/old.fbx"); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("Get of a deleted name: %v, want ErrNotFound", err)
	}
	if r, err := c.Get(ctx, "seed/walk.fbx"); err != nil || r.Generation != 2 {
		t.Errorf("Get(seed/walk.fbx) = gen %d, %v; want gen 2", r.Generation, err)
	}
	if _, err := c.Get(ctx, "seed/never.fbx"); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("Get of a name never synced: %v, want ErrNotFound", err)
	}
	if n, g := mine.current.Load(), mine.get.Load(); n != 1 || g != 0 {
		t.Errorf("%d Current and %d Get calls reached the store; want only the one before loading", n, g)
	}
	if n := mine.changed.Load(); n != int64(len(steps)+1) {
		t.Errorf("%d feed reads for %d refreshes", n, len(steps)+1)
	}
}

// A row appended through the cache is read back at once, before any
// refresh, with the synced_at the store recorded.
func TestReadsItsOwnWrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	mine, other := open(t)
	c := catalogcache.New(mine, mine, catalogcache.Options{})
	if err := c.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Append(ctx, catalogtest.Blend("blend/new.fbx", 7, "seed/a.fbx")); err != nil {
		t.Fatal(err)
	}
	got, err := c.Get(ctx, "blend/new.fbx")
	if err != nil {
		t.Fatal(err)
	}
	stored, err := other.Get(ctx, "blend/new.fbx")
	if err != nil || !stored.SyncedAt.Equal(got.SyncedAt) {
		t.Errorf("stored synced_at %v (%v), cached %v", stored.SyncedAt, err, got.SyncedAt)
	}
	if err := c.Append(ctx, catalog.Row{Name: "blend/bad.fbx"}); !errors.Is(err, catalog.ErrInvalidRow) {
		t.Errorf("Append of an invalid row: %v, want ErrInvalidRow", err)
	}
}

// A failing refresh keeps the rows held; Fresh reports the cache stale
// after three intervals without a success, and well again after one.
func TestStaleAfterFailedRefreshes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	mine, _ := open(t)
	if err := mine.Append(ctx, catalogtest.Seed("seed/a.fbx", 1)); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	clk := &clock{t: t0}
	c := catalogcache.New(mine, mine, catalogcache.Options{Refresh: 10 * time.Second, Now: clk.Now})
	if err := c.Fresh(ctx); err != nil {
		t.Errorf("Fresh before loading: %v", err)
	}
	if err := c.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	mine.fail.Store(true)
	clk.Set(t0.Add(20 * time.Second))
	if err := c.Refresh(ctx); err == nil {
		t.Error("refresh against a failing store succeeded")
	}
	if err := c.Fresh(ctx); err != nil {
		t.Errorf("Fresh two intervals after the last refresh: %v", err)
	}
	if got, _ := c.Current(ctx, catalog.Filter{}); len(got) != 1 {
		t.Errorf("after a failed refresh: %q, want the row held", names(got))
	}
	clk.Set(t0.Add(31 * time.Second))
	if err := c.Fresh(ctx); !errors.Is(err, catalogcache.ErrStale) {
		t.Errorf("Fresh after 31 s without a refresh every 10 s: %v, want ErrStale", err)
	}
	mine.fail.Store(false)
	if err := c.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Fresh(ctx); err != nil {
		t.Errorf("Fresh after a refresh: %v", err)
	}
}

// Run loads and then refreshes on its interval until its context ends.
func TestRunRefreshesOnItsInterval(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	mine, other := open(t)
	c := catalogcache.New(mine, mine, catalogcache.Options{Refresh: 20 * time.Millisecond})
	done := make(chan struct{})
	go func() { c.Run(ctx); close(done) }()
	if err := other.Append(ctx, catalogtest.Seed("seed/a.fbx", 1)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := c.Get(ctx, "seed/a.fbx"); err == nil && c.Stats().Live == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("seed/a.fbx not in the cache after 10 s of refreshes every 20 ms (%d feed reads)", mine.changed.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
}
