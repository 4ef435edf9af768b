package batch

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/blend"
)

// manifestOf builds a valid manifest of n mix blends named b0..b(n-1).
func manifestOf(t testing.TB, n int) *Manifest {
	t.Helper()
	m := &Manifest{Source: "test"}
	for i := 0; i < n; i++ {
		m.Blends = append(m.Blends, Blend{Name: fmt.Sprintf("b%d", i), Input1: "a.fbx", Input2: "b.fbx",
			Output: fmt.Sprintf("o%d.fbx", i), Options: blend.Options{Method: "mix"}, Index: i})
	}
	return m
}

var errBoom = errors.New("boom")

func TestRunFailuresDoNotStopOthers(t *testing.T) {
	t.Parallel()
	m := manifestOf(t, 12)
	var calls []int
	var mu sync.Mutex
	do := func(ctx context.Context, b Blend) (Outcome, error) {
		time.Sleep(time.Duration(12-b.Index) * time.Millisecond) // finish out of order
		switch b.Index % 4 {
		case 1:
			return Outcome{}, fmt.Errorf("blend %s: %w", b.Name, errBoom)
		case 2:
			if b.Index == 2 {
				panic("corrupt input")
			}
		}
		return Outcome{Output: b.Output, Frames: b.Index}, nil
	}
	progress := func(done, total int) {
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, done)
		if total != 12 {
			t.Errorf("progress total %d", total)
		}
	}
	s := Run(context.Background(), m, 3, do, progress)
	if s.Total != 12 || s.OK != 8 || s.Failed != 4 || s.Skipped != 0 {
		t.Fatalf("summary ok %d failed %d skipped %d of %d; want 8, 4, 0 of 12", s.OK, s.Failed, s.Skipped, s.Total)
	}
	for i, r := range s.Results {
		if r.Index != i || r.Name != m.Blends[i].Name {
			t.Errorf("result %d is blend %d %s: not in manifest order", i, r.Index, r.Name)
		}
		switch {
		case i%4 == 1 && !errors.Is(r.Err, errBoom):
			t.Errorf("result %d: error %v, want boom", i, r.Err)
		case i == 2 && r.OK():
			t.Errorf("the panicking blend succeeded")
		case i%4 != 1 && i != 2 && (!r.OK() || r.Outcome.Frames != i):
			t.Errorf("result %d: %+v", i, r)
		}
		if r.Elapsed <= 0 {
			t.Errorf("result %d has no duration", i)
		}
	}
	if len(calls) != 12 {
		t.Fatalf("%d progress calls, want 12", len(calls))
	}
	for i, d := range calls {
		if d != i+1 {
			t.Fatalf("progress sequence %v, want 1..12", calls)
		}
	}
	if s.Busy < s.Wall || s.Wall <= 0 {
		t.Errorf("busy %v, wall %v: three workers should overlap", s.Busy, s.Wall)
	}
	if got := len(s.Failures()); got != 4 {
		t.Errorf("%d failures listed, want 4", got)
	}
}

func TestRunBoundsConcurrency(t *testing.T) {
	t.Parallel()
	tests := []struct{ blends, workers, want int }{
		{20, 1, 1},
		{20, 4, 4},
		{3, 8, 3},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d blends on %d workers", tt.blends, tt.workers), func(t *testing.T) {
			var inFlight, peak atomic.Int32
			do := func(ctx context.Context, b Blend) (Outcome, error) {
				n := inFlight.Add(1)
				defer inFlight.Add(-1)
				for {
					p := peak.Load()
					if n <= p || peak.CompareAndSwap(p, n) {
						break
					}
				}
				time.Sleep(5 * time.Millisecond)
				return Outcome{}, nil
			}
			s := Run(context.Background(), manifestOf(t, tt.blends), tt.workers, do, nil)
			if s.OK != tt.blends {
				t.Fatalf("%d ok of %d", s.OK, tt.blends)
			}
			if got := int(peak.Load()); got != tt.want {
				t.Errorf("at most %d blends in flight, want %d", got, tt.want)
			}
		})
	}
}

func TestRunCancellation(t *testing.T) {
	t.Parallel()
	m := manifestOf(t, 50)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var started atomic.Int32
	do := func(ctx context.Context, b Blend) (Outcome, error) {
		if started.Add(1) == 4 {
			cancel()
		}
		select { // a blend that honours ctx stops early
		case <-ctx.Done():
			return Outcome{}, ctx.Err()
		case <-time.After(20 * time.Millisecond):
			return Outcome{Output: b.Output}, nil
		}
	}
	var last int
	s := Run(ctx, m, 2, do, func(done, total int) { last = done })
	if last != 50 {
		t.Errorf("progress reached %d, want 50: skipped blends count as done", last)
	}
	if s.Skipped < 40 || s.OK+s.Failed+s.Skipped != 50 {
		t.Errorf("ok %d failed %d skipped %d: want most skipped after cancellation", s.OK, s.Failed, s.Skipped)
	}
	for _, r := range s.Results {
		if r.Skipped && !errors.Is(r.Err, context.Canceled) {
			t.Errorf("skipped blend %s: error %v, want context.Canceled", r.Name, r.Err)
		}
	}
	if n := started.Load(); n > 6 {
		t.Errorf("%d blends started after cancellation, want at most the ones in flight", n)
	}
}

func TestRunEmpty(t *testing.T) {
	t.Parallel()
	called := false
	s := Run(context.Background(), &Manifest{}, 4, func(context.Context, Blend) (Outcome, error) {
		called = true
		return Outcome{}, nil
	}, func(int, int) { called = true })
	if called || s.Total != 0 || len(s.Results) != 0 {
		t.Errorf("empty manifest: called %v, summary %+v", called, s)
	}
}

func TestShardAndMerge(t *testing.T) {
	t.Parallel()
	m := manifestOf(t, 11)
	if err := m.Validate(); err != nil {
		t.Fatalf("manifest built in code: %v", err)
	}
	const n = 3
	seen := map[int]int{}
	var parts []Summary
	for i := 0; i < n; i++ {
		sh := m.Shard(i, n)
		again := m.Shard(i, n)
		if len(sh.Blends) != len(again.Blends) {
			t.Fatalf("shard %d not deterministic", i)
		}
		for k, b := range sh.Blends {
			seen[b.Index]++
			if again.Blends[k].Name != b.Name || (k > 0 && b.Index <= sh.Blends[k-1].Index) {
				t.Errorf("shard %d: unstable or out of order at %d", i, k)
			}
		}
		if l := len(sh.Blends); l < 3 || l > 4 {
			t.Errorf("shard %d has %d blends; want 3 or 4 (balanced)", i, l)
		}
		do := func(ctx context.Context, b Blend) (Outcome, error) {
			if b.Index == 7 {
				return Outcome{}, errBoom
			}
			return Outcome{Output: b.Output}, nil
		}
		parts = append(parts, Run(context.Background(), sh, 2, do, nil))
	}
	for i := range m.Blends {
		if seen[i] != 1 {
			t.Errorf("blend %d in %d shards, want exactly 1", i, seen[i])
		}
	}
	all, err := Merge(parts[2], parts[0], parts[1])
	if err != nil {
		t.Fatal(err)
	}
	if all.Total != 11 || all.OK != 10 || all.Failed != 1 {
		t.Errorf("merged ok %d failed %d of %d", all.OK, all.Failed, all.Total)
	}
	for i, r := range all.Results {
		if r.Index != i {
			t.Fatalf("merged results out of order: %d at %d", r.Index, i)
		}
	}
	if p := m.Pending(all); len(p.Blends) != 1 || p.Blends[0].Index != 7 {
		t.Errorf("pending %v, want only blend 7", p.Blends)
	}
	if p := m.Pending(parts[0]); len(p.Blends) != 11-len(parts[0].Results) {
		t.Errorf("pending after one shard: %d blends", len(p.Blends))
	}
	if _, err := Merge(parts[0], parts[0]); !errors.Is(err, ErrMerge) {
		t.Errorf("merging a shard twice: %v, want ErrMerge", err)
	}
	for _, bad := range [][2]int{{0, 0}, {-1, 3}, {3, 3}} {
		if s := m.Shard(bad[0], bad[1]); len(s.Blends) != 0 {
			t.Errorf("Shard(%d, %d) has %d blends, want none", bad[0], bad[1], len(s.Blends))
		}
	}
	if s := m.Shard(0, 1); len(s.Blends) != 11 {
		t.Errorf("a single shard has %d blends", len(s.Blends))
	}
}

func BenchmarkRunOverhead(b *testing.B) {
	m := manifestOf(b, 1000)
	do := func(ctx context.Context, b Blend) (Outcome, error) { return Outcome{Output: b.Output}, nil }
	b.ReportAllocs()
	for b.Loop() {
		Run(context.Background(), m, 2, do, nil)
	}
	b.ReportMetric(float64(len(m.Blends))*float64(b.N)/b.Elapsed().Seconds(), "blends/s")
}
