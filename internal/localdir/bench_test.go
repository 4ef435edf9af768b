package localdir

import (
	"bytes"
	"context"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// BenchmarkOverwrite measures an overwrite of a 64 KiB object and its
// events, without versioning (one deleted) and with three noncurrent
// generations kept (the replaced one linked and recorded, the oldest
// pruned: one archived and one deleted).
func BenchmarkOverwrite(b *testing.B) {
	body := bytes.Repeat([]byte("x"), 64<<10)
	for _, bc := range []struct {
		name string
		keep int
	}{{"unversioned", 0}, {"versioned", 3}} {
		b.Run(bc.name, func(b *testing.B) {
			events := 0
			s := open(b, b.TempDir(), Options{NoSync: true, KeepVersions: bc.keep,
				OnChange: func(context.Context, storage.Event) { events++ }})
			ctx := context.Background()
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Put(ctx, "seed/r/a.fbx", bytes.NewReader(body), nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(events)/float64(b.N), "events/op")
		})
	}
}
