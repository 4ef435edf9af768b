package pipeline_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"io"
	"strings"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/blend"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// checkPicture reads a picture from the library and checks it is a PNG
// drawn for the animation whose content hash is sha.
func checkPicture(t *testing.T, p *pipeline.Pipeline, name, sha string) {
	t.Helper()
	data, a, err := storage.ReadAll(context.Background(), p.Library, name, nil)
	if err != nil {
		t.Fatalf("picture %s: %v", name, err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("picture %s: not a PNG: %v", name, err)
	}
	if b := img.Bounds(); b.Dx() < 400 || b.Dy() < 200 {
		t.Errorf("picture %s is %v, too small to show anything", name, b)
	}
	if a.ContentType != "image/png" || a.Metadata[library.MetaSHA256] != sha {
		t.Errorf("picture %s: content type %q, sha256 metadata %q; want image/png, %s", name, a.ContentType, a.Metadata[library.MetaSHA256], sha)
	}
	if library.IsCatalogued(name) {
		t.Errorf("picture %s would be catalogued", name)
	}
}

// pictureFailStore fails writes of PNG objects with a transient error while
// failing is set.
type pictureFailStore struct {
	storage.Store
	failing bool
}

func (s *pictureFailStore) Put(ctx context.Context, name string, body io.Reader, o *storage.PutOptions) (storage.Attrs, error) {
	if s.failing && strings.HasSuffix(name, ".png") {
		return storage.Attrs{}, &storage.Error{Op: "put", Bucket: s.Bucket(), Name: name, Kind: storage.ErrTransient, Err: fmt.Errorf("503 backend unavailable")}
	}
	return s.Store.Put(ctx, name, body, o)
}

// BenchmarkDrawPreview measures the work the blend service does on a new
// seed's event (read, decode, draw and write its sheet) and on a new
// blend's (the sheet, its inputs read and measured, and the metric plot).
// The pictures are deleted between iterations, so each draws them.
func BenchmarkDrawPreview(b *testing.B) {
	p := newPipeline(b, "localdir")
	ctx := context.Background()
	walk := seed(b, p, "mixamo/kirby-xbot60__Walking_InPlace.fbx", "Walking.fbx")
	run := seed(b, p, "mixamo/kirby-xbot60__Running_InPlace.fbx", "Running.fbx")
	res, err := p.Blend(ctx, pipeline.BlendRequest{Sources: []string{walk, run}, Options: blend.Options{Method: "transition"}})
	if err != nil {
		b.Fatal(err)
	}
	for what, name := range map[string]string{"seed": walk, "blend": res.Output} {
		b.Run(what, func(b *testing.B) {
			obj, err := p.Library.Stat(ctx, name, nil)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				b.StopTimer()
				for _, pic := range []string{library.PreviewName(name), library.MetricsName(name)} {
					if err := p.Library.Delete(ctx, pic, nil); err != nil && !errors.Is(err, storage.ErrNotFound) {
						b.Fatal(err)
					}
				}
				b.StartTimer()
				if wrote, err := p.DrawPreview(ctx, obj, ""); err != nil || !wrote {
					b.Fatalf("%v, %v", wrote, err)
				}
			}
		})
	}
}
