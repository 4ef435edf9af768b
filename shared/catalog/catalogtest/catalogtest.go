// Package catalogtest is the contract every catalog.Store is tested against:
// the same rows in must give the same current rows out, on SQLite and on
// BigQuery, whatever the order and repetition of Eventarc's deliveries.
package catalogtest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
)

// Harness describes the implementation under test.
type Harness struct {
	// New returns an empty store; it is called once per subtest and the
	// store closed by the suite.
	New func(t *testing.T) catalog.Store
	// Writers is how many goroutines append at once in the concurrency test.
	Writers int
}

// Run runs the whole contract.
func Run(t *testing.T, h Harness) {
	if h.Writers == 0 {
		h.Writers = 8
	}
	t.Run("RoundTrip", func(t *testing.T) { testRoundTrip(t, h) })
	t.Run("InvalidRows", func(t *testing.T) { testInvalidRows(t, h) })
	t.Run("EveryOrderTwice", func(t *testing.T) { testEveryOrderTwice(t, h) })
	t.Run("RandomHistories", func(t *testing.T) { testRandomHistories(t, h) })
	t.Run("Filters", func(t *testing.T) { testFilters(t, h) })
	t.Run("Get", func(t *testing.T) { testGet(t, h) })
	t.Run("ConcurrentAppends", func(t *testing.T) { testConcurrentAppends(t, h) })
	t.Run("Pages", func(t *testing.T) { testPages(t, h) })
	t.Run("Feed", func(t *testing.T) { testFeed(t, h) })
}

func open(t *testing.T, h Harness) catalog.Store {
	t.Helper()
	s := h.New(t)
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

var base = time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC)

// Seed returns a seed row as the metadata-sync service would write it.
func Seed(name string, gen int64) catalog.Row {
	return catalog.Row{
		URI: "gs://library/" + name, Bucket: "library", Name: name, Generation: gen, Kind: catalog.KindSeed,
		SHA256: fmt.Sprintf("%064x", gen), Size: 1_234_567 + gen%1000, Format: "fbx", Rig: "mixamo", Clip: "walking",
		FPS: 30, Frames: 32, DurationS: 31.0 / 30, JointCount: 65, RootMotionCM: 142.5,
		CorrelationID: fmt.Sprintf("evt-%s-%d", name, gen), CreatedAt: base.Add(time.Duration(gen) * time.Microsecond),
	}
}

// Blend returns a blend row with sources, options and metrics.
func Blend(name string, gen int64, sources ...string) catalog.Row {
	r := Seed(name, gen)
	r.Kind, r.Clip, r.Method = catalog.KindBlend, "walk-run", "mix"
	r.Sources = sources
	r.Options = `{"ratio":0.5,"sync":"phase"}`
	r.Quality = &catalog.Quality{SkatingCMS: 1.25, L2Velocity: 0.5, L2Acceleration: 0.125, MaxPoseChangeCM: 3.5, TransitionCost: 0.75, GroundPenetrationCM: 0.25}
	r.Preview = "blend/previews/" + name + ".png"
	return r
}

func deleted(r catalog.Row) catalog.Row {
	r.Deleted = true
	return r
}

func testRoundTrip(t *testing.T, h Harness) {
	ctx := context.Background()
	s := open(t, h)
	seed := Seed("seed/mixamo/walking.fbx", 1764063000123456)
	seed.SyncedAt = base.Add(time.Hour + 789*time.Nanosecond) // below a microsecond: dropped
	blend := Blend("blend/ab12.fbx", 1764063000999999, "seed/mixamo/walking.fbx", "seed/mixamo/running.fbx")
	blend.Metrics = `{"skating_cm_s":1.25,"foot_lock_ratio":0.9}` // more metrics than typed columns
	blend.Format, blend.Rig = "glb", "mixamo-female"
	if err := s.Append(ctx, seed, blend); err != nil {
		t.Fatal(err)
	}
	for _, want := range []catalog.Row{seed, blend} {
		got, err := s.Get(ctx, want.Name)
		if err != nil {
			t.Fatalf("Get(%q): %v", want.Name, err)
		}
		if err := want.Normalize(got.SyncedAt); err != nil {
			t.Fatal(err)
		}
		if want.Name == seed.Name && !got.SyncedAt.Equal(base.Add(time.Hour)) {
			t.Errorf("SyncedAt = %v, want the given time at microsecond precision", got.SyncedAt)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("round trip of %s:\n got %+v\nwant %+v", want.Name, got, want)
		}
	}
	quality := Blend("blend/metrics-from-quality.fbx", 5, "seed/a.fbx")
	if err := s.Append(ctx, quality); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, quality.Name)
	if err != nil {
		t.Fatal(err)
	}
	if got.Metrics == "" || got.Quality == nil || *got.Quality != *quality.Quality {
		t.Errorf("metrics %q, quality %+v; want both from Quality %+v", got.Metrics, got.Quality, quality.Quality)
	}
}

func testInvalidRows(t *testing.T, h Harness) {
	ctx := context.Background()
	s := open(t, h)
	cases := []struct {
		field string
		edit  func(*catalog.Row)
	}{
		{"name", func(r *catalog.Row) { r.Name = "" }},
		{"bucket", func(r *catalog.Row) { r.Bucket = "" }},
		{"generation", func(r *catalog.Row) { r.Generation = 0 }},
		{"kind", func(r *catalog.Row) { r.Kind = "character" }},
		{"size", func(r *catalog.Row) { r.Size = -1 }},
		{"options", func(r *catalog.Row) { r.Options = `{"ratio":` }},
		{"metrics", func(r *catalog.Row) { r.Metrics = `[1,2]` }},
	}
	for _, c := range cases {
		t.Run(c.field, func(t *testing.T) {
			good := Seed("seed/good-"+c.field+".fbx", 1)
			bad := Blend("blend/bad-"+c.field+".fbx", 2)
			c.edit(&bad)
			err := s.Append(ctx, good, bad)
			if !errors.Is(err, catalog.ErrInvalidRow) {
				t.Fatalf("Append = %v, want ErrInvalidRow", err)
			}
			if !strings.Contains(err.Error(), c.field) {
				t.Errorf("error %q does not name the field %q", err, c.field)
			}
			if _, err := s.Get(ctx, good.Name); !errors.Is(err, catalog.ErrNotFound) {
				t.Errorf("the valid row of a rejected batch was appended: %v", err)
			}
		})
	}
}

// event is one delivery: a finalize or delete of a generation.
type event struct {
	gen int64
	del bool
}

// scenarios are the sequences Eventarc can produce for one object, with the
// generation that must be current afterwards (0: none), whatever the order.
var scenarios = []struct {
	name   string
	events []event
	want   int64
}{
	{"created", []event{{10, false}}, 10},
	{"created then deleted", []event{{10, false}, {10, true}}, 0},
	{"overwritten", []event{{10, false}, {10, true}, {20, false}}, 20},
	{"deleted and recreated", []event{{10, false}, {10, true}, {20, false}, {20, true}, {30, false}}, 30},
	{"delete of a newer generation whose finalize is lost", []event{{10, false}, {20, true}}, 0},
	{"late delete of an older generation", []event{{20, false}, {10, true}}, 20},
	{"two finalizes, the older one redelivered", []event{{10, false}, {20, false}, {10, false}}, 20},
}

// permutations returns every order of events.
func permutations(events []event) [][]event {
	if len(events) <= 1 {
		return [][]event{slices.Clone(events)}
	}
	var out [][]event
	for i := range events {
		rest := slices.Concat(events[:i], events[i+1:])
		for _, p := range permutations(rest) {
			out = append(out, append([]event{events[i]}, p...))
		}
	}
	return out
}

// testEveryOrderTwice delivers each scenario in every order, each event twice
// (the second copy after all the first ones, as a redelivery would come), one
// object name per order, and checks each name's current row. One Append and
// one query per scenario keep it cheap on BigQuery.
func testEveryOrderTwice(t *testing.T, h Harness) {
	ctx := context.Background()
	s := open(t, h)
	var all []catalog.Row
	for si, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			prefix := fmt.Sprintf("seed/s%d/", si)
			var rows []catalog.Row
			perms := permutations(sc.events)
			for pi, order := range perms {
				name := fmt.Sprintf("%sp%03d.fbx", prefix, pi)
				at := base
				for _, round := range []int{1, 2} {
					for _, e := range order {
						r := Seed(name, e.gen)
						r.Deleted = e.del
						r.CorrelationID = fmt.Sprintf("delivery-%d", round)
						at = at.Add(time.Second)
						r.SyncedAt = at
						rows = append(rows, r)
					}
				}
			}
			if err := s.Append(ctx, rows...); err != nil {
				t.Fatal(err)
			}
			all = append(all, rows...)
			got, err := s.Current(ctx, catalog.Filter{Prefix: prefix})
			if err != nil {
				t.Fatal(err)
			}
			gens := map[string]int64{}
			for _, r := range got {
				gens[r.Name] = r.Generation
			}
			for pi, order := range perms {
				name := fmt.Sprintf("%sp%03d.fbx", prefix, pi)
				if gens[name] != sc.want {
					t.Errorf("order %v: current generation %d, want %d", order, gens[name], sc.want)
				}
			}
			if n := len(got); (sc.want == 0 && n != 0) || (sc.want != 0 && n != len(perms)) {
				t.Errorf("%d current rows for %d orders", n, len(perms))
			}
		})
	}
	checkAgainstReduce(t, s, all, catalog.Filter{})
}

// testRandomHistories checks the store against catalog.Reduce on histories
// with repeated deliveries, re-syncs with later synced_at, and deletes that
// arrive before the finalize they follow.
func testRandomHistories(t *testing.T, h Harness) {
	ctx := context.Background()
	s := open(t, h)
	rng := rand.New(rand.NewPCG(7, 11))
	var rows []catalog.Row
	for n := range 40 {
		name := fmt.Sprintf("blend/r%02d.fbx", n)
		gens := 1 + rng.IntN(4)
		for g := 1; g <= gens; g++ {
			gen := int64(1000*n + 10*g)
			for range 1 + rng.IntN(3) { // duplicated deliveries
				r := Blend(name, gen, fmt.Sprintf("seed/src%d.fbx", rng.IntN(5)))
				r.SyncedAt = base.Add(time.Duration(rng.IntN(1_000_000)) * time.Millisecond)
				rows = append(rows, r)
			}
			if g < gens || rng.IntN(3) == 0 { // overwritten, or deleted at the end
				d := deleted(Blend(name, gen))
				d.SyncedAt = base.Add(time.Duration(rng.IntN(1_000_000)) * time.Millisecond)
				rows = append(rows, d)
			}
		}
	}
	rng.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
	// Delivered in three batches, the first twice.
	third := len(rows) / 3
	for _, batch := range [][]catalog.Row{rows[:third], rows[third : 2*third], rows[:third], rows[2*third:]} {
		if err := s.Append(ctx, batch...); err != nil {
			t.Fatal(err)
		}
	}
	checkAgainstReduce(t, s, rows, catalog.Filter{})
	checkAgainstReduce(t, s, rows, catalog.Filter{Source: "seed/src3.fbx"})
	checkAgainstReduce(t, s, rows, catalog.Filter{Since: base.Add(10_000 * time.Microsecond), Until: base.Add(30_000 * time.Microsecond)})
}

func checkAgainstReduce(t *testing.T, s catalog.Store, rows []catalog.Row, f catalog.Filter) {
	t.Helper()
	prepared, err := catalog.Prepare(base, rows)
	if err != nil {
		t.Fatal(err)
	}
	want := catalog.Reduce(prepared, f)
	got, err := s.Current(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("Current(%+v): %d rows, Reduce: %d", f, len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Name != w.Name || g.Generation != w.Generation || g.Deleted || !g.SyncedAt.Equal(w.SyncedAt) || !slices.Equal(g.Sources, w.Sources) {
			t.Errorf("row %d: store %s gen %d synced %v sources %v; Reduce %s gen %d synced %v sources %v",
				i, g.Name, g.Generation, g.SyncedAt, g.Sources, w.Name, w.Generation, w.SyncedAt, w.Sources)
		}
	}
}

func testFilters(t *testing.T, h Harness) {
	ctx := context.Background()
	s := open(t, h)
	walk := Seed("seed/mixamo/walking.fbx", 1)
	run := Seed("seed/mixamo/running.fbx", 2)
	run.Clip = "running"
	female := Seed("seed/female/idle.fbx", 3)
	female.Rig, female.Clip = "mixamo-female", "idle"
	mix := Blend("blend/mix-1.fbx", 4, walk.Name, run.Name)
	trans := Blend("blend/trans_1%.fbx", 5, run.Name, female.Name)
	trans.Method, trans.Rig = "transition", "mixamo-female"
	gone := Blend("blend/gone.fbx", 6, walk.Name)
	if err := s.Append(ctx, walk, run, female, mix, trans, gone, deleted(gone)); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		desc string
		f    catalog.Filter
		want []string
	}{
		{"everything live", catalog.Filter{}, []string{"blend/mix-1.fbx", "blend/trans_1%.fbx", "seed/female/idle.fbx", "seed/mixamo/running.fbx", "seed/mixamo/walking.fbx"}},
		{"kind", catalog.Filter{Kind: catalog.KindSeed}, []string{"seed/female/idle.fbx", "seed/mixamo/running.fbx", "seed/mixamo/walking.fbx"}},
		{"rig", catalog.Filter{Rig: "mixamo-female"}, []string{"blend/trans_1%.fbx", "seed/female/idle.fbx"}},
		{"clip", catalog.Filter{Clip: "running"}, []string{"seed/mixamo/running.fbx"}},
		{"method", catalog.Filter{Method: "mix"}, []string{"blend/mix-1.fbx"}},
		{"source", catalog.Filter{Source: run.Name}, []string{"blend/mix-1.fbx", "blend/trans_1%.fbx"}},
		{"source of a deleted blend only", catalog.Filter{Source: walk.Name, Method: "mix"}, []string{"blend/mix-1.fbx"}},
		{"prefix", catalog.Filter{Prefix: "seed/mixamo/"}, []string{"seed/mixamo/running.fbx", "seed/mixamo/walking.fbx"}},
		{"prefix with LIKE wildcards", catalog.Filter{Prefix: "blend/trans_1%"}, []string{"blend/trans_1%.fbx"}},
		{"wildcard is literal", catalog.Filter{Prefix: "blend/%"}, nil},
		{"kind and rig", catalog.Filter{Kind: catalog.KindBlend, Rig: "mixamo"}, []string{"blend/mix-1.fbx"}},
		{"limit", catalog.Filter{Limit: 2}, []string{"blend/mix-1.fbx", "blend/trans_1%.fbx"}},
		{"no match", catalog.Filter{Clip: "samba"}, nil},
		{"created since", catalog.Filter{Since: female.CreatedAt}, []string{"blend/mix-1.fbx", "blend/trans_1%.fbx", "seed/female/idle.fbx"}},
		{"created until", catalog.Filter{Until: female.CreatedAt}, []string{"seed/mixamo/running.fbx", "seed/mixamo/walking.fbx"}},
		{"created in a window", catalog.Filter{Since: run.CreatedAt, Until: mix.CreatedAt}, []string{"seed/female/idle.fbx", "seed/mixamo/running.fbx"}},
		{"window and kind", catalog.Filter{Kind: catalog.KindBlend, Since: run.CreatedAt.Add(-time.Hour), Until: trans.CreatedAt}, []string{"blend/mix-1.fbx"}},
		{"empty window", catalog.Filter{Since: mix.CreatedAt, Until: mix.CreatedAt}, nil},
		{"after", catalog.Filter{After: "blend/trans_1%.fbx"}, []string{"seed/female/idle.fbx", "seed/mixamo/running.fbx", "seed/mixamo/walking.fbx"}},
		{"after a name that is not there", catalog.Filter{After: "seed/g"}, []string{"seed/mixamo/running.fbx", "seed/mixamo/walking.fbx"}},
		{"after, kind and limit", catalog.Filter{Kind: catalog.KindSeed, After: "seed/female/idle.fbx", Limit: 1}, []string{"seed/mixamo/running.fbx"}},
		{"after before the prefix", catalog.Filter{Prefix: "seed/mixamo/", After: "blend/zzz"}, []string{"seed/mixamo/running.fbx", "seed/mixamo/walking.fbx"}},
		{"after the last", catalog.Filter{After: "seed/mixamo/walking.fbx"}, nil},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			got, err := s.Current(ctx, c.f)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, r := range got {
				names = append(names, r.Name)
			}
			if !slices.Equal(names, c.want) {
				t.Errorf("Current(%+v) = %q, want %q", c.f, names, c.want)
			}
		})
	}
}

func testGet(t *testing.T, h Harness) {
	ctx := context.Background()
	s := open(t, h)
	if err := s.Append(ctx, Seed("seed/a.fbx", 1), Seed("seed/a.fbx", 2), Seed("seed/b.fbx", 1), deleted(Seed("seed/b.fbx", 1))); err != nil {
		t.Fatal(err)
	}
	if r, err := s.Get(ctx, "seed/a.fbx"); err != nil || r.Generation != 2 {
		t.Errorf("Get(seed/a.fbx) = gen %d, %v; want gen 2", r.Generation, err)
	}
	for _, name := range []string{"seed/b.fbx", "seed/never.fbx", "seed/a", "seed/a.fbx.bak"} {
		if r, err := s.Get(ctx, name); !errors.Is(err, catalog.ErrNotFound) {
			t.Errorf("Get(%q) = %+v, %v; want ErrNotFound", name, r, err)
		}
	}
}

func testConcurrentAppends(t *testing.T, h Harness) {
	ctx := context.Background()
	s := open(t, h)
	const perWriter = 5
	var wg sync.WaitGroup
	errs := make(chan error, h.Writers)
	for w := range h.Writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWriter {
				// Every writer also delivers its neighbour's first row.
				rows := []catalog.Row{Seed(fmt.Sprintf("seed/w%d/%d.fbx", w, i), int64(i+1)), Seed(fmt.Sprintf("seed/w%d/0.fbx", (w+1)%h.Writers), 1)}
				if err := s.Append(ctx, rows...); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	got, err := s.Current(ctx, catalog.Filter{Prefix: "seed/w"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != h.Writers*perWriter {
		t.Errorf("%d current rows, want %d", len(got), h.Writers*perWriter)
	}
}

// testPages walks the catalog a page at a time, by the last name of each
// page, while rows are added and deleted before and after the cursor: every
// name live throughout is seen exactly once, in order.
func testPages(t *testing.T, h Harness) {
	ctx := context.Background()
	s := open(t, h)
	var rows []catalog.Row
	for i := range 23 {
		rows = append(rows, Seed(fmt.Sprintf("seed/page/%03d.fbx", 2*i), 1))
	}
	if err := s.Append(ctx, rows...); err != nil {
		t.Fatal(err)
	}
	var seen []string
	f := catalog.Filter{Prefix: "seed/page/", Limit: 5}
	for page := 0; ; page++ {
		got, err := s.Current(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 {
			break
		}
		for _, r := range got {
			seen = append(seen, r.Name)
		}
		f.After = got[len(got)-1].Name
		// Between pages: a name before the cursor, one after it, and a
		// delete of the name right after it, as concurrent syncs would.
		if err := s.Append(ctx, Seed(fmt.Sprintf("seed/page/%03d.fbx", 2*page+1), 1)); err != nil {
			t.Fatal(err)
		}
		if page == 1 {
			if err := s.Append(ctx, deleted(Seed("seed/page/020.fbx", 1))); err != nil {
				t.Fatal(err)
			}
		}
		if page > 10 {
			t.Fatalf("more than 10 pages of 5 for 23 names: %q", seen)
		}
	}
	if !slices.IsSorted(seen) || len(slices.Compact(slices.Clone(seen))) != len(seen) {
		t.Fatalf("pages are not in order or repeat a name: %q", seen)
	}
	for _, r := range rows {
		if !slices.Contains(seen, r.Name) && r.Name != "seed/page/020.fbx" {
			t.Errorf("%s, live throughout, was on no page", r.Name)
		}
	}
	if slices.Contains(seen, "seed/page/020.fbx") {
		t.Errorf("seed/page/020.fbx, deleted before its page, was listed")
	}
}

// testFeed checks a store that is also a catalog.Feed: an Index fed its
// whole answer, then the answers since later times, agrees with Reduce,
// delete rows and out-of-order deliveries included.
func testFeed(t *testing.T, h Harness) {
	ctx := context.Background()
	s := open(t, h)
	feed, ok := s.(catalog.Feed)
	if !ok {
		t.Skipf("%T is not a catalog.Feed", s)
	}
	rng := rand.New(rand.NewPCG(3, 5))
	history := func(round int, at time.Time) []catalog.Row {
		var rows []catalog.Row
		for n := range 30 {
			name := fmt.Sprintf("blend/feed%02d.fbx", n)
			gen := int64(10*round + rng.IntN(3))
			r := Blend(name, gen, "seed/a.fbx")
			r.SyncedAt = at.Add(time.Duration(rng.IntN(1000)) * time.Millisecond)
			rows = append(rows, r)
			if rng.IntN(3) == 0 {
				d := deleted(Blend(name, gen-int64(rng.IntN(2))))
				d.SyncedAt = at.Add(time.Duration(rng.IntN(1000)) * time.Millisecond)
				rows = append(rows, d)
			}
		}
		return rows
	}
	gone := Blend("blend/feed-gone.fbx", 5, "seed/a.fbx")
	gone.SyncedAt = base
	goneDel := deleted(gone)
	goneDel.SyncedAt = base.Add(time.Second)
	all := append(history(1, base), gone, goneDel)
	if err := s.Append(ctx, all...); err != nil {
		t.Fatal(err)
	}
	x := catalog.NewIndex()
	first, err := feed.Changed(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, r := range first {
		if names[r.Name] {
			t.Fatalf("Changed(zero) answers %s twice", r.Name)
		}
		names[r.Name] = true
	}
	if len(names) != 31 {
		t.Errorf("Changed(zero) answers %d names, want all 31, deleted ones included", len(names))
	}
	x.Fold(first)
	checkIndex(t, x, all)

	// Later rounds synced an hour apart; each read from a little before
	// the round, as a reader allowing for lag would.
	for round := 2; round <= 4; round++ {
		at := base.Add(time.Duration(round) * time.Hour)
		rows := history(round, at)
		if round == 3 {
			// A redelivery of a finalize deleted long ago, synced now: the
			// delete, read in the first answer only, still hides it.
			again := gone
			again.SyncedAt = at
			rows = append(rows, again)
		}
		if err := s.Append(ctx, rows...); err != nil {
			t.Fatal(err)
		}
		all = append(all, rows...)
		since := at.Add(-time.Minute)
		got, err := feed.Changed(ctx, since)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range got {
			if r.SyncedAt.Before(since) {
				t.Errorf("Changed(%v) answers %s synced %v", since, r.Name, r.SyncedAt)
			}
		}
		if want := len(catalog.Reduce(rows, catalog.Filter{})); len(got) < want {
			t.Errorf("Changed(%v): %d rows, fewer than the %d live names of the round", since, len(got), want)
		}
		x.Fold(got)
		checkIndex(t, x, all)
	}
}

func checkIndex(t *testing.T, x *catalog.Index, rows []catalog.Row) {
	t.Helper()
	prepared, err := catalog.Prepare(base, rows)
	if err != nil {
		t.Fatal(err)
	}
	want := catalog.Reduce(prepared, catalog.Filter{})
	got := x.Current(catalog.Filter{})
	if len(got) != len(want) {
		t.Fatalf("index fed by the store: %d live rows, Reduce: %d", len(got), len(want))
	}
	for i := range got {
		if g, w := got[i], want[i]; g.Name != w.Name || g.Generation != w.Generation || !g.SyncedAt.Equal(w.SyncedAt) {
			t.Errorf("row %d: index %s gen %d synced %v; Reduce %s gen %d synced %v", i, g.Name, g.Generation, g.SyncedAt, w.Name, w.Generation, w.SyncedAt)
		}
	}
}
