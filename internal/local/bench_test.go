package local

import (
	"fmt"
	"testing"
	"time"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
)

// BenchmarkUploadToRow measures the local path from an upload written
// through the uploads store to the seed's catalog row: router, validate,
// seed write, router, metadata sync, over HTTP, on a 1.1 MB FBX.
func BenchmarkUploadToRow(b *testing.B) {
	ctx := b.Context()
	opts := options(b, b.TempDir())
	opts.Poll = time.Hour
	srv := start(b, opts)
	p := srv.Pipeline()
	data := pipelinetest.Corpus(b, "mixamo/kirby-xbot60__Idle.fbx")
	b.SetBytes(int64(len(data)))
	rows := func() []catalog.Row {
		r, err := p.Catalog.Current(ctx, catalog.Filter{Kind: catalog.KindSeed})
		if err != nil {
			b.Fatal(err)
		}
		return r
	}
	for i := 0; b.Loop(); i++ {
		pipelinetest.Put(b, p.Uploads, fmt.Sprintf("Idle-%d.fbx", i), data)
		for len(rows()) != 1 {
			time.Sleep(time.Millisecond)
		}
		// The same content is one seed whatever its upload name: remove
		// it, and its row, before the next upload.
		b.StopTimer()
		if err := p.Library.Delete(ctx, rows()[0].Name, nil); err != nil {
			b.Fatal(err)
		}
		for len(rows()) != 0 || !srv.Idle() {
			time.Sleep(time.Millisecond)
		}
		b.StartTimer()
	}
}
