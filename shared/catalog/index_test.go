package catalog_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog/catalogtest"
)

// memory is an Index behind the Store port, so that the contract every
// store meets checks the index against Reduce too.
type memory struct{ x *catalog.Index }

func (m memory) Append(_ context.Context, rows ...catalog.Row) error {
	rows, err := catalog.Prepare(time.Now(), rows)
	if err != nil {
		return err
	}
	m.x.Fold(rows)
	return nil
}

func (m memory) Current(_ context.Context, f catalog.Filter) ([]catalog.Row, error) {
	return m.x.Current(f), nil
}

func (m memory) Get(_ context.Context, name string) (catalog.Row, error) {
	if r, ok := m.x.Get(name); ok {
		return r, nil
	}
	return catalog.Row{}, fmt.Errorf("%w for %q", catalog.ErrNotFound, name)
}

func (memory) Close() error { return nil }

func TestIndexContract(t *testing.T) {
	t.Parallel()
	catalogtest.Run(t, catalogtest.Harness{New: func(*testing.T) catalog.Store { return memory{catalog.NewIndex()} }})
}

func TestIndexStats(t *testing.T) {
	t.Parallel()
	x := catalog.NewIndex()
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	a, b := catalogtest.Seed("seed/a.fbx", 1), catalogtest.Seed("seed/b.fbx", 1)
	a.SyncedAt, b.SyncedAt = at, at.Add(time.Second)
	del := b
	del.Deleted, del.SyncedAt, del.Rig = true, at.Add(2*time.Second), "dropped from tombstones"
	cases := []struct {
		fold         []catalog.Row
		changed      int
		live, gone   int
		synced       time.Time
		bLive, aLive bool
	}{
		{[]catalog.Row{a, b}, 2, 2, 0, b.SyncedAt, true, true},
		{[]catalog.Row{a, b}, 0, 2, 0, b.SyncedAt, true, true}, // a redelivery changes nothing
		{[]catalog.Row{del}, 1, 1, 1, del.SyncedAt, false, true},
		{[]catalog.Row{b}, 0, 1, 1, del.SyncedAt, false, true}, // the finalize never outranks its delete
	}
	for i, c := range cases {
		if n := x.Fold(c.fold); n != c.changed {
			t.Errorf("fold %d changed %d names, want %d", i, n, c.changed)
		}
		st := x.Stats()
		if st.Live != c.live || st.Deleted != c.gone || !st.Synced.Equal(c.synced) {
			t.Errorf("fold %d: stats %+v, want %d live, %d deleted, synced %v", i, st, c.live, c.gone, c.synced)
		}
		if _, ok := x.Get("seed/b.fbx"); ok != c.bLive {
			t.Errorf("fold %d: Get(seed/b.fbx) live = %v, want %v", i, ok, c.bLive)
		}
		if _, ok := x.Get("seed/a.fbx"); ok != c.aLive {
			t.Errorf("fold %d: Get(seed/a.fbx) live = %v, want %v", i, ok, c.aLive)
		}
	}
}

// The rows Current answers are copies: changing one leaves the index as it was.
func TestIndexAnswersCopies(t *testing.T) {
	t.Parallel()
	x := catalog.NewIndex()
	r := catalogtest.Blend("blend/a.fbx", 1, "seed/a.fbx", "seed/b.fbx")
	x.Fold([]catalog.Row{r})
	r.Sources[0] = "changed by the writer"
	got := x.Current(catalog.Filter{})
	got[0].Sources[1] = "changed by a reader"
	if again, _ := x.Get("blend/a.fbx"); again.Sources[0] != "seed/a.fbx" || again.Sources[1] != "seed/b.fbx" {
		t.Errorf("sources in the index changed to %q", again.Sources)
	}
}

// newIndex holds n live names, a tenth of them blends of two seeds, and
// n/20 tombstones.
func newIndex(n int) *catalog.Index {
	rng := rand.New(rand.NewPCG(1, 1))
	x := catalog.NewIndex()
	rows := make([]catalog.Row, 0, n+n/20)
	for i := range n {
		var r catalog.Row
		if i%10 == 0 {
			r = catalogtest.Blend(fmt.Sprintf("blend/%08x.fbx", rng.Uint32()), int64(i+1), "seed/a.fbx", "seed/b.fbx")
		} else {
			r = catalogtest.Seed(fmt.Sprintf("seed/mixamo/%08x.fbx", rng.Uint32()), int64(i+1))
		}
		rows = append(rows, r)
		if i%20 == 0 {
			d := r
			d.Deleted = true
			d.Name += ".gone"
			rows = append(rows, d)
		}
	}
	x.Fold(rows)
	return x
}

// BenchmarkIndexCurrent is a GET /blends page of 1000 (the API's default
// limit) out of 100,000 names, and of 100 after a cursor in the middle.
func BenchmarkIndexCurrent(b *testing.B) {
	x := newIndex(100_000)
	mid := x.Current(catalog.Filter{Kind: catalog.KindSeed, Limit: 50_000})
	cases := []struct {
		name string
		f    catalog.Filter
	}{
		{"blends-1000", catalog.Filter{Kind: catalog.KindBlend, Limit: 1000}},
		{"seeds-after-100", catalog.Filter{Kind: catalog.KindSeed, After: mid[len(mid)-1].Name, Limit: 100}},
		{"no-match", catalog.Filter{Kind: catalog.KindBlend, Method: "none", Limit: 1000}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				x.Current(c.f)
			}
		})
	}
}

// BenchmarkIndexFold is one refresh's answer of 500 changed names, half of
// them new, into an index of 100,000.
func BenchmarkIndexFold(b *testing.B) {
	x := newIndex(100_000)
	gen := int64(1 << 40)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		rows := make([]catalog.Row, 500)
		for j := range rows {
			gen++
			rows[j] = catalogtest.Seed(fmt.Sprintf("seed/new/%d-%d.fbx", i, j%250), gen)
		}
		x.Fold(rows)
	}
}
