package storage_test

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// racingStore answers PutDerived's writes and looks from a script: the
// object others change between each write and each look.
type racingStore struct {
	storage.Store // nil: only Bucket, Put and Stat are called
	puts          []error
	stats         []storage.Attrs // Generation 0 stands for a missing object
	conds         []storage.Condition
}

func (r *racingStore) Bucket() string { return "library" }

func (r *racingStore) Put(_ context.Context, name string, _ io.Reader, o *storage.PutOptions) (storage.Attrs, error) {
	r.conds = append(r.conds, o.If)
	err := r.puts[0]
	r.puts = r.puts[1:]
	if err != nil {
		return storage.Attrs{}, &storage.Error{Op: "put", Name: name, Kind: err}
	}
	return storage.Attrs{Name: name, Generation: 99}, nil
}

func (r *racingStore) Stat(_ context.Context, name string, _ *storage.ReadOptions) (storage.Attrs, error) {
	a := r.stats[0]
	r.stats = r.stats[1:]
	if a.Generation == 0 {
		return storage.Attrs{}, &storage.Error{Op: "stat", Name: name, Kind: storage.ErrNotFound}
	}
	return a, nil
}

func TestPutDerivedWhileOthersWrite(t *testing.T) {
	fail := storage.ErrPreconditionFailed
	other := func(gen int64) storage.Attrs {
		return storage.Attrs{Generation: gen, Metadata: map[string]string{"sha256": "other"}}
	}
	for _, tt := range []struct {
		name    string
		puts    []error
		stats   []storage.Attrs
		replace bool
		// want: the generation returned, created, the error kind, the
		// generations the writes were guarded on (-1 for does-not-exist).
		gen     int64
		created bool
		kind    error
		guards  []int64
	}{
		{"deleted between the write and the look", []error{fail, nil}, []storage.Attrs{{}}, false, 99, true, nil, []int64{-1, -1}},
		{"replaced twice while replacing", []error{fail, fail, nil}, []storage.Attrs{other(5), other(6)}, true, 99, true, nil, []int64{-1, 5, 6}},
		{"changing all the time", []error{fail, fail, fail}, []storage.Attrs{other(5), other(6), other(7)}, true, 0, false, storage.ErrTransient, []int64{-1, 5, 6}},
		{"other content, kept", []error{fail}, []storage.Attrs{other(5)}, false, 5, false, storage.ErrPreconditionFailed, []int64{-1}},
		{"a failed write", []error{storage.ErrTransient}, nil, true, 0, false, storage.ErrTransient, []int64{-1}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := &racingStore{puts: tt.puts, stats: tt.stats}
			a, created, err := storage.PutDerived(context.Background(), s, "seed/r/a.fbx.preview.png", []byte("png"), storage.DerivedOptions{
				Same:    func(live storage.Attrs) bool { return live.Metadata["sha256"] == "mine" },
				Replace: tt.replace,
			})
			if a.Generation != tt.gen || created != tt.created || (tt.kind == nil) != (err == nil) || tt.kind != nil && !errors.Is(err, tt.kind) {
				t.Errorf("PutDerived = generation %d, created %v, %v; want %d, %v, %v", a.Generation, created, err, tt.gen, tt.created, tt.kind)
			}
			var guards []int64
			for _, c := range s.conds {
				g, _ := c.Generation()
				if g == 0 {
					g = -1
				}
				guards = append(guards, g)
			}
			if len(guards) != len(tt.guards) {
				t.Fatalf("writes guarded on %v, want %v", guards, tt.guards)
			}
			for i := range guards {
				if guards[i] != tt.guards[i] {
					t.Errorf("writes guarded on %v, want %v", guards, tt.guards)
					break
				}
			}
		})
	}
}
