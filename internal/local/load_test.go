//go:build corpus && load

package local

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"runtime/metrics"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// loadShape is the size of a load run.
type loadShape struct {
	Clients, Blends, Uploads int
}

// The load of `make load` (BLENDPIPE_LOAD=full), and the reduced one the
// default tests run.
var (
	fullLoad    = loadShape{Clients: 50, Blends: 2000, Uploads: 500}
	reducedLoad = loadShape{Clients: 5, Blends: 100, Uploads: 25}
)

// baseClips are seeded before the load and blended during it: clips of
// three rigs.
var baseClips = []string{
	"kirby-xbot60__Walking_InPlace", "kirby-xbot60__Running_InPlace", "kirby-xbot60__Sprinting_InPlace",
	"kirby-xbot60__Idle", "kirby-xbot60__Falling_Idle", "kirby-xbot60__Punching_Left", "kirby-xbot60__Punching_Right",
	"vrm4-pirate76__Walking_rootmotion", "vrm4-pirate76__Left_Strafe_Walk_rootmotion",
	"vrm4-pirate76__Walking_Backwards_rootmotion", "vrm4-pirate76__Standing_idle",
	"add101-ch46__Walking", "add101-ch46__Idle",
}

// TestLoad runs concurrent clients against the local pipeline served on
// loopback, as `blendpipe dev` serves it: blend requests over HTTP (most of
// them new blends, some repeats the library answers from its cache) and
// uploads dropped into the uploads directory under distinct names (Mixamo
// clips with their creation time changed, so each is a new seed, and
// malformed, character-only and non-Mixamo files, which are rejected). Every
// request must succeed and every upload end as a seed row or a rejection. It
// reports throughput, latency percentiles per request type and peak memory.
func TestLoad(t *testing.T) {
	shape := reducedLoad
	if os.Getenv("BLENDPIPE_LOAD") == "full" {
		shape = fullLoad
	} else if testing.Short() {
		t.Skip("a load run")
	}
	dir := t.TempDir()
	ctx := t.Context()
	opts := options(t, dir)
	opts.Poll = 100 * time.Millisecond
	// Errors only: a log line per request would measure the logger.
	opts.Log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	srv := start(t, opts)
	base := "http://" + srv.Addr()
	cat := srv.Pipeline().Catalog

	// The library the blends draw on.
	for _, c := range baseClips {
		dropFile(t, dir, c+".fbx", pipelinetest.Corpus(t, "mixamo/"+c+".fbx"))
	}
	waitUntil(t, time.Minute, "the base seeds", func() bool {
		rows, err := cat.Current(ctx, catalog.Filter{Kind: catalog.KindSeed})
		return err == nil && len(rows) == len(baseClips)
	})
	seedRows, err := cat.Current(ctx, catalog.Filter{Kind: catalog.KindSeed})
	if err != nil {
		t.Fatal(err)
	}
	blends := blendMix(seedRows, shape.Blends)
	uploads := uploadMix(t, shape.Uploads)

	// One queue of work, uploads spread among the blends.
	type op struct {
		blend  string
		upload *upload
	}
	var ops []op
	for _, b := range blends {
		ops = append(ops, op{blend: b})
	}
	for i := range uploads {
		ops = append(ops, op{upload: &uploads[i]})
	}
	rng := rand.New(rand.NewPCG(1, 2))
	rng.Shuffle(len(ops), func(i, j int) { ops[i], ops[j] = ops[j], ops[i] })

	mem := watchMemory(ctx)
	outcomes := watchUploads(ctx, t, dir, cat, uploads)
	work := make(chan op)
	var (
		mu       sync.Mutex
		blendLat []time.Duration
		cached   int
		errs     []string
		wg       sync.WaitGroup
	)
	client := &http.Client{Timeout: 5 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: shape.Clients}}
	start := time.Now()
	for range shape.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for o := range work {
				if o.upload != nil {
					o.upload.dropped = time.Now()
					dropFile(t, dir, o.upload.name, o.upload.bytes(t))
					continue
				}
				t0 := time.Now()
				code, body, err := post(client, base+"/blend", o.blend)
				d := time.Since(t0)
				mu.Lock()
				switch {
				case err != nil:
					errs = append(errs, err.Error())
				case code != http.StatusCreated && code != http.StatusOK:
					errs = append(errs, fmt.Sprintf("HTTP %d %s for %s", code, body, o.blend))
				default:
					blendLat = append(blendLat, d)
					if code == http.StatusOK {
						cached++
					}
				}
				mu.Unlock()
			}
		}()
	}
	for _, o := range ops {
		work <- o
	}
	close(work)
	wg.Wait()
	blendsDone := time.Since(start)
	res := outcomes.wait(t, 10*time.Minute)
	elapsed := time.Since(start)
	waitUntil(t, 5*time.Minute, "an idle router", srv.Idle)
	hwm, heap := mem.peak()

	for _, e := range errs[:min(len(errs), 10)] {
		t.Errorf("blend request failed: %s", e)
	}
	var upLat []time.Duration
	counts := map[string]int{}
	for i := range uploads {
		u := &uploads[i]
		got := res[u.name]
		counts[got.outcome]++
		if got.outcome != u.want {
			t.Errorf("upload %s: %s, want %s", u.name, got.outcome, u.want)
		}
		upLat = append(upLat, got.at.Sub(u.dropped))
	}
	// One blend object and one current row per distinct request, no more.
	distinct := map[string]bool{}
	for _, b := range blends {
		distinct[b] = true
	}
	listed, err := storage.ListAll(ctx, srv.Pipeline().Library, &storage.ListOptions{Prefix: library.BlendPrefix})
	if err != nil {
		t.Fatal(err)
	}
	var objs []storage.Attrs // the blends, not their pictures
	for _, a := range listed {
		if library.IsCatalogued(a.Name) {
			objs = append(objs, a)
		}
	}
	waitUntil(t, time.Minute, "a row per blend", func() bool {
		rows, err := cat.Current(ctx, catalog.Filter{Kind: catalog.KindBlend})
		return err == nil && len(rows) == len(objs)
	})
	if len(objs) != len(distinct) {
		t.Errorf("%d blend objects for %d distinct requests", len(objs), len(distinct))
	}
	t.Logf("load: %d clients, %d blend requests (%d answered from the library), %d uploads (%v)",
		shape.Clients, len(blends), cached, len(uploads), counts)
	t.Logf("blend requests: %.1f/s over %v; latency %s", float64(len(blendLat))/blendsDone.Seconds(), blendsDone.Round(time.Millisecond), percentiles(blendLat))
	t.Logf("uploads, dropped to seed row or rejection: %.1f/s over %v; latency %s", float64(len(uploads))/elapsed.Seconds(), elapsed.Round(time.Millisecond), percentiles(upLat))
	t.Logf("errors: %d; peak RSS (VmHWM) %d MiB; peak heap objects %d MiB", len(errs), hwm>>20, heap>>20)
}

// upload is one file dropped during the load and the outcome it must have.
type upload struct {
	name string
	data []byte
	// stamp, when not zero, makes the file new: data with its creation
	// time changed, made when dropped so that the test does not hold
	// hundreds of copies.
	stamp   int
	want    string // "seed" or "rejected"
	dropped time.Time
}

func (u *upload) bytes(t *testing.T) []byte {
	if u.stamp == 0 {
		return u.data
	}
	return restamp(t, u.data, u.stamp)
}

// uploadMix makes n uploads: most are Mixamo clips made new by a different
// creation time, the rest malformed FBX, character-only and non-Mixamo files.
func uploadMix(t *testing.T, n int) []upload {
	t.Helper()
	clips := []string{"kirby-xbot60__Walking_InPlace", "kirby-xbot60__Running_InPlace", "kirby-xbot60__Punching_Right",
		"vrm4-pirate76__Walking_rootmotion", "add101-ch46__Walking"}
	var clipData [][]byte
	for _, c := range clips {
		clipData = append(clipData, pipelinetest.Corpus(t, "mixamo/"+c+".fbx"))
	}
	charOnly := pipelinetest.Corpus(t, "mixamo/kirby-xbot__x_bot_character_skin.fbx")
	robot := pipelinetest.Corpus(t, "mixamo/threejs-copy__RobotExpressive.glb")
	out := make([]upload, n)
	for i := range out {
		switch {
		case i%10 == 7:
			out[i] = upload{name: fmt.Sprintf("fuzz-%04d.fbx", i), data: pipelinetest.Corpus(t, fmt.Sprintf("ufbx/fuzz/fuzz_%04d.fbx", i%749)), want: "rejected"}
		case i%20 == 3:
			out[i] = upload{name: fmt.Sprintf("X Bot %04d.fbx", i), data: charOnly, stamp: i + 1, want: "rejected"}
		case i%20 == 13:
			out[i] = upload{name: fmt.Sprintf("Robot %04d.glb", i), data: robot, want: "rejected"}
		default:
			k := i % len(clips)
			out[i] = upload{name: fmt.Sprintf("%s take %04d.fbx", clips[k], i), data: clipData[k], stamp: i + 1, want: "seed"}
		}
	}
	return out
}

// restamp returns a copy of an FBX file with its CreationTime property set
// from i: the same clip as another file.
func restamp(t *testing.T, fbx []byte, i int) []byte {
	marker := []byte("CreationTimeS\x17\x00\x00\x00")
	at := bytes.Index(fbx, marker)
	if at < 0 {
		t.Error("no CreationTime property to vary")
		return fbx
	}
	out := bytes.Clone(fbx)
	ts := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second).Format("2006-01-02 15:04:05:000")
	copy(out[at+len(marker):], ts)
	return out
}

// blendMix makes n blend request bodies over pairs of seeds of one rig:
// mixes at many ratios, transitions and layers, in three formats; about one
// in five repeats an earlier request.
func blendMix(seeds []catalog.Row, n int) []string {
	byRig := map[string][]string{}
	for _, s := range seeds {
		byRig[s.Rig] = append(byRig[s.Rig], s.Name)
	}
	var distinct []string
	opts := []string{`"method": "transition"`, `"method": "layer", "mask": "upper_body"`, `"method": "layer", "mask": "lower_body"`}
	for r := 1; r <= 9; r++ {
		opts = append(opts, fmt.Sprintf(`"method": "mix", "ratio": %.1f`, float64(r)/10))
	}
	for _, format := range []string{"fbx", "glb", "bvh"} {
		for _, o := range opts {
			for _, names := range byRig {
				slices.Sort(names)
				for _, a := range names {
					for _, b := range names {
						if a != b {
							distinct = append(distinct, fmt.Sprintf(`{"a": %q, "b": %q, "format": %q, %s}`, a, b, format, o))
						}
					}
				}
			}
		}
	}
	rng := rand.New(rand.NewPCG(3, 4))
	rng.Shuffle(len(distinct), func(i, j int) { distinct[i], distinct[j] = distinct[j], distinct[i] })
	out := make([]string, 0, n)
	next := 0
	for i := range n {
		if i%5 == 4 || next == len(distinct) {
			out = append(out, out[rng.IntN(len(out))])
			continue
		}
		out = append(out, distinct[next])
		next++
	}
	return out
}

type result struct {
	outcome string
	at      time.Time
}

// uploadWatch records when each upload's outcome appears: its seed's
// catalog row (the clip is the upload name's slug) or its rejection's
// reason file.
type uploadWatch struct {
	mu   sync.Mutex
	got  map[string]result
	want int
	done chan struct{}
}

func watchUploads(ctx context.Context, t *testing.T, dir string, cat catalog.Store, uploads []upload) *uploadWatch {
	w := &uploadWatch{got: map[string]result{}, want: len(uploads), done: make(chan struct{})}
	ctx, cancel := context.WithCancel(ctx)
	t.Cleanup(func() { cancel(); <-w.done })
	bySlug := map[string]string{}
	for _, u := range uploads {
		bySlug[library.Slug(strings.TrimSuffix(u.name, filepath.Ext(u.name)))] = u.name
	}
	go func() {
		defer close(w.done)
		for ctx.Err() == nil {
			now := time.Now()
			rows, err := cat.Current(ctx, catalog.Filter{Kind: catalog.KindSeed})
			if ctx.Err() != nil {
				return
			}
			if err != nil {
				t.Errorf("catalog: %v", err)
				return
			}
			rejected, _ := os.ReadDir(filepath.Join(dir, "library", "rejected"))
			w.mu.Lock()
			for _, r := range rows {
				if name, ok := bySlug[r.Clip]; ok {
					if _, seen := w.got[name]; !seen {
						w.got[name] = result{"seed", now}
					}
				}
			}
			for _, e := range rejected {
				if name, ok := strings.CutSuffix(e.Name(), library.ErrorSuffix); ok {
					if _, seen := w.got[name]; !seen {
						w.got[name] = result{"rejected", now}
					}
				}
			}
			n := len(w.got)
			w.mu.Unlock()
			if n >= w.want {
				return
			}
			time.Sleep(25 * time.Millisecond)
		}
	}()
	return w
}

// wait returns the outcomes once every upload has one, or after d.
func (w *uploadWatch) wait(t *testing.T, d time.Duration) map[string]result {
	t.Helper()
	select {
	case <-w.done:
	case <-time.After(d):
		t.Errorf("after %v, %d of %d uploads have an outcome", d, len(w.got), w.want)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.got
}

// memWatch samples the heap while the load runs.
type memWatch struct {
	mu   sync.Mutex
	heap uint64
}

func watchMemory(ctx context.Context) *memWatch {
	m := &memWatch{}
	go func() {
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		for ctx.Err() == nil {
			metrics.Read(s)
			m.mu.Lock()
			m.heap = max(m.heap, s[0].Value.Uint64())
			m.mu.Unlock()
			time.Sleep(50 * time.Millisecond)
		}
	}()
	return m
}

// peak returns the process's peak resident set (VmHWM, which covers the
// server, the clients and the test's own copies of the files) and the
// sampled peak of live and not yet collected heap objects.
func (m *memWatch) peak() (hwm, heap uint64) {
	if f, err := os.Open("/proc/self/status"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
				var kb uint64
				fmt.Sscanf(strings.TrimSpace(v), "%d kB", &kb)
				hwm = kb << 10
			}
		}
		f.Close()
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return hwm, m.heap
}

// percentiles formats p50, p95, p99 and the maximum of ds.
func percentiles(ds []time.Duration) string {
	if len(ds) == 0 {
		return "none"
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	at := func(p float64) time.Duration { return s[int(p*float64(len(s)-1)+0.5)].Round(time.Millisecond) }
	return fmt.Sprintf("p50 %v, p95 %v, p99 %v, max %v (n=%d)", at(0.50), at(0.95), at(0.99), s[len(s)-1].Round(time.Millisecond), len(s))
}
