//go:build corpus

package preview

import (
	"context"
	"image"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/corpus"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/animfile"
)

// TestCorpusSheets draws real exports, the 12×-scale character among them, and checks that
// every cell shows a figure of sensible size drawn inside the cell.
func TestCorpusSheets(t *testing.T) {
	t.Parallel()
	for _, name := range []string{
		"kirby-xbot60__Walking_InPlace.fbx",
		"kirby-guy-naeem3d__Idle_bigscale.fbx",
		"vrm4-pirate76__Walking_rootmotion.fbx",
	} {
		t.Run(name, func(t *testing.T) {
			a, _, err := animfile.Read(context.Background(), corpus.Path(t, "mixamo/"+name), 0)
			if err != nil {
				t.Fatal(err)
			}
			const frames = 6
			img, err := ContactSheet(a.Skeleton, a.Clip(), SheetOptions{Frames: frames})
			if err != nil {
				t.Fatal(err)
			}
			lay := sheetLayout{n: frames}
			for row := 0; row < 2; row++ {
				for i := 0; i < frames; i++ {
					cell := lay.cell(row, i)
					h := img.Bounds().Dy()
					box := image.Rect(px(cell.Min.X), h-px(cell.Max.Y), px(cell.Max.X), h-px(cell.Min.Y))
					// Limb bones are the only strongly coloured pixels in a cell.
					ink, n := limbBounds(img, box.Inset(-px(cellPad/2)))
					if n < 150 {
						t.Errorf("row %d frame %d: %d limb pixels, want a figure", row, i, n)
						continue
					}
					if !ink.In(box.Inset(1)) {
						t.Errorf("row %d frame %d: limbs at %v leave the cell %v", row, i, ink, box)
					}
					if ink.Dy() < box.Dy()/3 {
						t.Errorf("row %d frame %d: figure %d px tall in a cell of %d px", row, i, ink.Dy(), box.Dy())
					}
				}
			}
			if _, err := MetricsPlot(measure(t, a.Skeleton, a.Clip(), name), nil, PlotOptions{}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// limbBounds returns the bounds of the strongly coloured pixels in r and their count.
func limbBounds(img image.Image, r image.Rectangle) (image.Rectangle, int) {
	var box image.Rectangle
	n := 0
	r = r.Intersect(img.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			if max(cr, cg, cb)-min(cr, cg, cb) > 0x5000 {
				box = box.Union(image.Rect(x, y, x+1, y+1))
				n++
			}
		}
	}
	return box, n
}
