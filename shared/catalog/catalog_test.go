package catalog

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func row(name string, gen int64, del bool, synced int) Row {
	return Row{Bucket: "library", Name: name, Generation: gen, Kind: KindSeed, Deleted: del,
		SyncedAt: time.Unix(int64(synced), 0).UTC()}
}

func TestReduceIsOrderIndependent(t *testing.T) {
	t.Parallel()
	cases := []struct {
		desc    string
		rows    []Row
		wantGen int64 // 0: no current row
		wantAt  int   // synced_at of the winner
	}{
		{"single finalize", []Row{row("a", 5, false, 1)}, 5, 1},
		{"delete hides its generation", []Row{row("a", 5, false, 1), row("a", 5, true, 2)}, 0, 0},
		{"delete hides lower generations", []Row{row("a", 5, false, 1), row("a", 9, true, 2)}, 0, 0},
		{"higher finalize shows again", []Row{row("a", 5, false, 1), row("a", 5, true, 2), row("a", 6, false, 3)}, 6, 3},
		{"late stale delete", []Row{row("a", 6, false, 1), row("a", 5, true, 2)}, 6, 1},
		{"re-sync wins", []Row{row("a", 5, false, 1), row("a", 5, false, 7), row("a", 5, false, 3)}, 5, 7},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			for range 20 {
				rows := append([]Row(nil), c.rows...)
				rows = append(rows, c.rows...) // every delivery twice
				rng.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
				got := Reduce(rows, Filter{})
				switch {
				case c.wantGen == 0 && len(got) != 0:
					t.Fatalf("Reduce(%v) = %v, want nothing", rows, got)
				case c.wantGen != 0 && (len(got) != 1 || got[0].Generation != c.wantGen || got[0].SyncedAt.Unix() != int64(c.wantAt)):
					t.Fatalf("Reduce(%v) = %v, want generation %d synced at %d", rows, got, c.wantGen, c.wantAt)
				}
			}
		})
	}
}

func TestValidateNamesTheField(t *testing.T) {
	t.Parallel()
	cases := []struct {
		field string
		edit  func(*Row)
	}{
		{"name", func(r *Row) { r.Name = "" }},
		{"bucket", func(r *Row) { r.Bucket = "" }},
		{"generation", func(r *Row) { r.Generation = -3 }},
		{"kind", func(r *Row) { r.Kind = "Seed" }},
		{"size", func(r *Row) { r.Size = -1 }},
		{"options", func(r *Row) { r.Options = "ratio=0.5" }},
		{"metrics", func(r *Row) { r.Metrics = `"x"` }},
	}
	for _, c := range cases {
		r := row("seed/a.fbx", 1, false, 1)
		if err := r.Validate(); err != nil {
			t.Fatalf("valid row: %v", err)
		}
		c.edit(&r)
		err := r.Validate()
		if !errors.Is(err, ErrInvalidRow) {
			t.Errorf("%s: %v, want ErrInvalidRow", c.field, err)
		} else if got := err.Error(); !strings.Contains(got, ": "+c.field+": ") {
			t.Errorf("%s: error %q does not name the field", c.field, got)
		}
	}
}

func TestPrepare(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 10, 0, 0, 123456789, time.FixedZone("CET", 3600))
	q := &Quality{SkatingCMS: 2}
	in := []Row{{Bucket: "b", Name: "blend/x", Generation: 1, Kind: KindBlend, Quality: q, CreatedAt: now}}
	out, err := Prepare(now, in)
	if err != nil {
		t.Fatal(err)
	}
	r := out[0]
	if !r.SyncedAt.Equal(now.Truncate(time.Microsecond)) || r.SyncedAt.Location() != time.UTC || r.SyncedAt.Nanosecond()%1000 != 0 {
		t.Errorf("SyncedAt = %v, want now in UTC at microsecond precision", r.SyncedAt)
	}
	if r.Metrics != `{"skating_cm_s":2,"l2_velocity":0,"l2_acceleration":0,"max_pose_change_cm":0,"transition_cost":0,"ground_penetration_cm":0}` {
		t.Errorf("Metrics = %s", r.Metrics)
	}
	if !in[0].SyncedAt.IsZero() || in[0].Metrics != "" {
		t.Error("Prepare changed its input")
	}
}
