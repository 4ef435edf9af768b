package eventarc_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/eventarc"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// BenchmarkValidateHandler measures the validate handler on a 1.1 MB Mixamo
// FBX on the local store: decode of the event, download, parse, rig check,
// hash and the seed write. "new" is a new upload name of content already
// seeded (found by its hash, nothing written); "seed" deletes the seed and
// its preview before each iteration, so each writes both; "redelivered" is
// the same event again.
func BenchmarkValidateHandler(b *testing.B) {
	for _, mode := range []string{"new", "seed", "redelivered"} {
		b.Run(mode, func(b *testing.B) {
			env := pipelinetest.New(b, "localdir")
			p := env.P
			h := eventarc.Validate(p, pipelinetest.Logger(b))
			data := pipelinetest.Corpus(b, "mixamo/kirby-xbot60__Idle.fbx")
			ctx := context.Background()
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			obj := pipelinetest.Put(b, p.Uploads, "Idle.fbx", data)
			ce, _ := eventarc.Encode(storage.Event{Type: storage.ObjectFinalized, Object: obj}, "warm")
			if err := h(ctx, ce); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				switch mode {
				case "new":
					b.StopTimer()
					obj = pipelinetest.Put(b, p.Uploads, fmt.Sprintf("Idle-%d.fbx", i), data)
					ce, _ = eventarc.Encode(storage.Event{Type: storage.ObjectFinalized, Object: obj}, fmt.Sprint(i))
					b.StartTimer()
				case "seed":
					b.StopTimer()
					for name := range pipelinetest.Names(b, p.Library) {
						if err := p.Library.Delete(ctx, name, nil); err != nil {
							b.Fatal(err)
						}
					}
					b.StartTimer()
				}
				if err := h(ctx, ce); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSyncHandler measures the metadata sync handler on each event
// type of a seed (finalized, archived, deleted, metadataUpdated): the row
// comes from the event's metadata and is appended to the SQLite catalog; no
// download.
func BenchmarkSyncHandler(b *testing.B) {
	env := pipelinetest.New(b, "localdir")
	p := env.P
	ctx := context.Background()
	v, err := p.Validate(ctx, pipelinetest.Put(b, p.Uploads, "Idle.fbx", pipelinetest.Corpus(b, "mixamo/kirby-xbot60__Idle.fbx")), "")
	if err != nil {
		b.Fatal(err)
	}
	seed, err := p.Library.Stat(ctx, v.Object, nil)
	if err != nil {
		b.Fatal(err)
	}
	lib := &countingReads{Store: p.Library}
	p.Library = lib
	h := eventarc.Sync(p, pipelinetest.Logger(b))
	for _, typ := range storage.EventTypes() {
		b.Run(strings.TrimPrefix(string(typ), "google.cloud.storage.object.v1."), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				ce, _ := eventarc.Encode(storage.Event{Type: typ, Object: seed}, fmt.Sprint(i))
				if err := h(ctx, ce); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	if lib.gets > 0 {
		b.Fatalf("the sync downloaded %d times", lib.gets)
	}
}

type countingReads struct {
	storage.Store
	gets int
}

func (c *countingReads) Get(ctx context.Context, name string, o *storage.ReadOptions) (*storage.Reader, error) {
	c.gets++
	return c.Store.Get(ctx, name, o)
}
