package batch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/quality"
)

// Outcome is what doing one blend produced.
type Outcome struct {
	Output   string          `json:"output"`             // where the result was written
	Bytes    int64           `json:"bytes,omitempty"`    // size of the written file
	Frames   int             `json:"frames,omitempty"`   // frames of the result clip
	Quality  *quality.Report `json:"quality,omitempty"`  // result against inputs; Compact metrics keep a summary small
	Warnings []string        `json:"warnings,omitempty"` // e.g. quality limits exceeded
}

// Result is one blend's fate in a run.
type Result struct {
	Index   int     `json:"index"` // position in the original manifest
	Name    string  `json:"name"`
	Outcome Outcome `json:"outcome"`
	// Error is the failure as text ("" on success); Err keeps the error value for errors.Is/As
	// within the process.
	Error   string        `json:"error,omitempty"`
	Err     error         `json:"-"`
	Skipped bool          `json:"skipped,omitempty"` // never started: the run was cancelled first
	Start   time.Time     `json:"start"`
	Elapsed time.Duration `json:"elapsed_ns"`
}

// OK reports whether the blend succeeded.
func (r Result) OK() bool { return r.Error == "" && !r.Skipped }

// Summary is the outcome of a run, results in manifest order.
type Summary struct {
	Total   int           `json:"total"`
	OK      int           `json:"ok"`
	Failed  int           `json:"failed"`  // ran and failed
	Skipped int           `json:"skipped"` // not started because the run was cancelled
	Wall    time.Duration `json:"wall_ns"` // from the first start to the last finish
	Busy    time.Duration `json:"busy_ns"` // sum of the blends' own durations
	Results []Result      `json:"results"`
}

// Failures returns the results that did not succeed, skipped ones included.
func (s Summary) Failures() []Result {
	var out []Result
	for _, r := range s.Results {
		if !r.OK() {
			out = append(out, r)
		}
	}
	return out
}

// DoFunc does one blend. It should honour ctx.
type DoFunc func(ctx context.Context, b Blend) (Outcome, error)

// PoolObserver is told how busy a Run's worker pool is, for metrics. Its
// methods are called from the pool's goroutines and must be safe for
// concurrent use.
type PoolObserver interface {
	// PoolStarted is called once workers are about to start, with the
	// number of blends queued for them.
	PoolStarted(workers, queued int)
	// BlendStarted is called when a worker takes a blend off the queue.
	BlendStarted()
	// BlendDone is called when that blend returns and the worker is idle.
	BlendDone()
	// PoolStopped is called once every worker has returned.
	PoolStopped(workers int)
}

// RunOptions configure RunWith.
type RunOptions struct {
	// Workers bounds the goroutines (≤ 0 means one per CPU).
	Workers int
	// Progress, when not nil, is called as Run's progress argument is.
	Progress func(done, total int)
	// Observer, when not nil, sees the pool's workers and queue.
	Observer PoolObserver
}

// Run does every blend of m on at most workers goroutines (workers ≤ 0 means one per CPU).
// A failing or panicking blend does not stop the others. When ctx is cancelled, blends not yet
// started are skipped and Run returns once the running ones return. progress, when not nil, is
// called after each blend with the number done so far (skipped included) and the total; calls
// never overlap and done increases by one each time.
func Run(ctx context.Context, m *Manifest, workers int, do DoFunc, progress func(done, total int)) Summary {
	return RunWith(ctx, m, do, RunOptions{Workers: workers, Progress: progress})
}

// RunWith is Run with its options in a struct, for callers that also
// observe the pool.
func RunWith(ctx context.Context, m *Manifest, do DoFunc, opts RunOptions) Summary {
	total := len(m.Blends)
	workers, progress, obs := opts.Workers, opts.Progress, opts.Observer
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, max(total, 1))
	if obs == nil {
		obs = noObserver{}
	}
	results := make([]Result, total)
	jobs := make(chan int)
	finished := make(chan int)
	begin := time.Now()

	obs.PoolStarted(workers, total)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				obs.BlendStarted()
				results[i] = runOne(ctx, m.Blends[i], do)
				obs.BlendDone()
				finished <- i
			}
		}()
	}
	go func() {
		for i := range total {
			jobs <- i
		}
		close(jobs)
		wg.Wait()
		obs.PoolStopped(workers)
		close(finished)
	}()
	done := 0
	for range finished {
		done++
		if progress != nil {
			progress(done, total)
		}
	}
	s := summarize(results)
	s.Wall = time.Since(begin)
	return s
}

type noObserver struct{}

func (noObserver) PoolStarted(int, int) {}
func (noObserver) BlendStarted()        {}
func (noObserver) BlendDone()           {}
func (noObserver) PoolStopped(int)      {}

func runOne(ctx context.Context, b Blend, do DoFunc) (r Result) {
	r = Result{Index: b.Index, Name: b.Name, Start: time.Now()}
	if err := ctx.Err(); err != nil {
		r.Skipped, r.Err, r.Error = true, err, err.Error()
		return r
	}
	defer func() {
		if p := recover(); p != nil {
			r.Err = fmt.Errorf("blend %q panicked: %v\n%s", b.Name, p, debug.Stack())
			r.Error = fmt.Sprintf("blend %q panicked: %v", b.Name, p)
		}
		r.Elapsed = time.Since(r.Start)
		slog.DebugContext(ctx, "blend finished", "name", b.Name, "index", b.Index,
			"elapsed", r.Elapsed, "error", r.Error)
	}()
	out, err := do(ctx, b)
	r.Outcome = out
	if err != nil {
		r.Err, r.Error = err, err.Error()
	}
	return r
}

func summarize(results []Result) Summary {
	s := Summary{Total: len(results), Results: results}
	var first, last time.Time
	for _, r := range results {
		switch {
		case r.Skipped:
			s.Skipped++
			continue
		case r.Error != "":
			s.Failed++
		default:
			s.OK++
		}
		s.Busy += r.Elapsed
		if first.IsZero() || r.Start.Before(first) {
			first = r.Start
		}
		if end := r.Start.Add(r.Elapsed); end.After(last) {
			last = end
		}
	}
	if !first.IsZero() {
		s.Wall = last.Sub(first)
	}
	return s
}

// Shard returns the i-th of n shards of m: every n-th blend starting at i, in manifest order,
// keeping each blend's Index. The same manifest always shards the same way, and the shards
// together hold every blend once. It returns an empty manifest when n < 1 or i is outside
// [0, n), so a misconfigured worker does nothing rather than everything.
func (m *Manifest) Shard(i, n int) *Manifest {
	s := &Manifest{Source: m.Source}
	if n < 1 || i < 0 || i >= n {
		return s
	}
	if n > 1 {
		s.Source = fmt.Sprintf("%s#%d/%d", m.Source, i, n)
	}
	for k := i; k < len(m.Blends); k += n {
		s.Blends = append(s.Blends, m.Blends[k])
	}
	return s
}

// ErrMerge means shard summaries do not fit together.
var ErrMerge = errors.New("batch: summaries do not merge")

// Merge combines the summaries of shards into one, results in manifest order. Wall is the
// longest shard's, since shards run side by side. It fails when two shards report the same blend.
func Merge(parts ...Summary) (Summary, error) {
	var all []Result
	var wall time.Duration
	for _, p := range parts {
		all = append(all, p.Results...)
		wall = max(wall, p.Wall)
	}
	slices.SortStableFunc(all, func(a, b Result) int { return a.Index - b.Index })
	for k := 1; k < len(all); k++ {
		if all[k].Index == all[k-1].Index {
			return Summary{}, fmt.Errorf("%w: blend %d (%s) reported twice", ErrMerge, all[k].Index, all[k].Name)
		}
	}
	s := summarize(all)
	s.Wall = wall
	return s, nil
}

// Pending returns the blends of m that s reports no success for (never run, failed or
// skipped), as a manifest to run again. A result counts only when its index and name both match.
func (m *Manifest) Pending(s Summary) *Manifest {
	ok := make(map[int]string, len(s.Results))
	for _, r := range s.Results {
		if r.OK() {
			ok[r.Index] = r.Name
		}
	}
	p := &Manifest{Source: m.Source}
	for _, b := range m.Blends {
		if name, done := ok[b.Index]; !done || name != b.Name {
			p.Blends = append(p.Blends, b)
		}
	}
	return p
}
