package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog/catalogtest"
)

func openTemp(t testing.TB) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), FileName))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestContract(t *testing.T) {
	t.Parallel()
	catalogtest.Run(t, catalogtest.Harness{
		New: func(t *testing.T) catalog.Store { return openTemp(t) },
	})
}

func TestReopenKeepsRowsAndSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "demo", FileName)
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Append(ctx, catalogtest.Seed("seed/a.fbx", 1)); err != nil {
		t.Fatal(err)
	}
	var mode string
	if err := s.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
	s.Close()

	s, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var version int
	s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version)
	if version != len(migrations) {
		t.Errorf("user_version = %d, want %d", version, len(migrations))
	}
	if r, err := s.Get(ctx, "seed/a.fbx"); err != nil || r.Generation != 1 {
		t.Errorf("after reopening: %+v, %v", r, err)
	}
}

func TestNewerSchemaIsRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), FileName)
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	s.db.ExecContext(ctx, "PRAGMA user_version = 99")
	s.Close()
	if s, err := Open(ctx, path); err == nil || !strings.Contains(err.Error(), "newer") {
		if s != nil {
			s.Close()
		}
		t.Fatalf("Open of a newer schema = %v, want an error saying so", err)
	}
}

// The dev server appends while `blendpipe catalog` reads, each with its own
// handle on the file.
func TestTwoHandlesOnOneFile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), FileName)
	a, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var wg sync.WaitGroup
	for i, s := range []*Store{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 50 {
				if err := s.Append(ctx, catalogtest.Seed(fmt.Sprintf("seed/h%d/%d.fbx", i, j), 1)); err != nil {
					t.Error(err)
					return
				}
				if _, err := s.Current(ctx, catalog.Filter{Kind: catalog.KindSeed}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, s := range []*Store{a, b} {
		rows, err := s.Current(ctx, catalog.Filter{})
		if err != nil || len(rows) != 100 {
			t.Errorf("%d rows, %v; want 100", len(rows), err)
		}
	}
}

// history10k is 10,000 rows over 5,000 names: finalizes, re-deliveries,
// overwrites and deletes in the proportions the sync service sees.
func history10k() []catalog.Row {
	rows := make([]catalog.Row, 0, 10_000)
	for i := 0; len(rows) < 10_000; i++ {
		name := fmt.Sprintf("blend/%05d.fbx", i)
		r := catalogtest.Blend(name, 100, fmt.Sprintf("seed/s%d.fbx", i%50))
		if i%3 == 0 {
			r.Rig = "mixamo-female"
		}
		rows = append(rows, r)
		switch i % 4 {
		case 1:
			rows = append(rows, r) // redelivered
		case 2:
			d := r
			d.Deleted = true
			rows = append(rows, d, catalogtest.Blend(name, 200, r.Sources...)) // overwritten
		case 3:
			d := r
			d.Deleted = true
			rows = append(rows, d)
		}
	}
	return rows[:10_000]
}

func BenchmarkAppend(b *testing.B) {
	ctx := context.Background()
	rows := history10k()
	b.Run("10k rows in one call", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			s := openTemp(b)
			b.StartTimer()
			if err := s.Append(ctx, rows...); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			s.Close()
			b.StartTimer()
		}
		b.ReportMetric(float64(len(rows))*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
	b.Run("one row into 10k", func(b *testing.B) {
		s := openTemp(b)
		defer s.Close()
		if err := s.Append(ctx, rows...); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			if err := s.Append(ctx, catalogtest.Seed(fmt.Sprintf("seed/new-%d.fbx", i), 1)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkCurrent10k(b *testing.B) {
	ctx := context.Background()
	s := openTemp(b)
	defer s.Close()
	if err := s.Append(ctx, history10k()...); err != nil {
		b.Fatal(err)
	}
	cases := []struct {
		name string
		f    catalog.Filter
	}{
		{"all", catalog.Filter{}},
		{"rig and kind", catalog.Filter{Kind: catalog.KindBlend, Rig: "mixamo-female"}},
		{"source", catalog.Filter{Source: "seed/s7.fbx"}},
		{"prefix limit 50", catalog.Filter{Prefix: "blend/01", Limit: 50}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				rows, err := s.Current(ctx, c.f)
				if err != nil {
					b.Fatal(err)
				}
				n = len(rows)
			}
			b.ReportMetric(float64(n), "rows")
		})
	}
	b.Run("get", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.Get(ctx, "blend/01234.fbx"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
