package preview

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/quality"
)

var update = flag.Bool("update", false, "rewrite the golden PNGs in testdata/")

// Tolerances of the golden comparison: anti-aliasing and glyph rasterising may move edge
// pixels slightly between library versions, but a changed layout, scale or curve moves many.
const (
	maxMeanDiff      = 1.5  // mean absolute difference per channel, of 255
	maxDifferentFrac = 0.01 // fraction of pixels with a channel off by more than pixelDiff
	pixelDiff        = 48
)

// measure returns a clip's metrics with their series, failing the test on error.
func measure(t testing.TB, s *anim.Skeleton, c *anim.Clip, name string) quality.Metrics {
	t.Helper()
	c.Name = name
	m, err := quality.Measure(s, c, quality.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestGolden(t *testing.T) {
	t.Parallel()
	walker := figureRig(1, 20)
	giant := figureRig(12, 20)
	tests := []struct {
		name   string
		render func(t *testing.T) (image.Image, error)
	}{
		{"sheet_transition", func(t *testing.T) (image.Image, error) {
			c := walkClip(walker, 30, 31, 120)
			return ContactSheet(walker, c, SheetOptions{Frames: 4, Title: "walk to run",
				Transition: &Transition{Start: 10, Frames: 6}, Inputs: []string{"walk", "run"}})
		}},
		{"sheet_mix_bigscale", func(t *testing.T) (image.Image, error) {
			c := walkClip(giant, 30, 31, 0)
			return ContactSheet(giant, c, SheetOptions{Frames: 3, Title: "giant in place",
				Weights: []float64{0.7, 0.3}})
		}},
		{"plot_blend", func(t *testing.T) (image.Image, error) {
			in := measure(t, walker, walkClip(walker, 30, 31, 0), "in place")
			fw := measure(t, walker, walkClip(walker, 30, 31, 150), "forward")
			res := measure(t, walker, walkClip(walker, 30, 31, 80), "blend")
			return MetricsPlot(res, []quality.Metrics{in, fw}, PlotOptions{Transition: &Transition{Start: 10, Frames: 6}})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, err := tt.render(t)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", tt.name+".png")
			if *update {
				// Best compression keeps the committed files small; the pixels are what count.
				var b bytes.Buffer
				if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&b, img); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatalf("%v (run go test ./shared/preview -update to create it)", err)
			}
			defer f.Close()
			want, err := png.Decode(f)
			if err != nil {
				t.Fatal(err)
			}
			mean, frac, err := diff(img, want)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("mean channel difference %.3f, %.4f of pixels differ", mean, frac)
			if mean > maxMeanDiff || frac > maxDifferentFrac {
				t.Errorf("differs from %s: mean channel difference %.3f (limit %v), %.4f of pixels differ (limit %v)",
					path, mean, maxMeanDiff, frac, maxDifferentFrac)
			}
		})
	}
}

// diff compares two images of equal bounds: the mean absolute difference per channel (of 255)
// and the fraction of pixels where some channel differs by more than pixelDiff.
func diff(a, b image.Image) (mean, frac float64, err error) {
	if a.Bounds().Size() != b.Bounds().Size() {
		return 0, 0, errors.New("size " + a.Bounds().Size().String() + ", want " + b.Bounds().Size().String())
	}
	var sum float64
	var n, off int
	ao, bo := a.Bounds().Min, b.Bounds().Min
	for y := 0; y < a.Bounds().Dy(); y++ {
		for x := 0; x < a.Bounds().Dx(); x++ {
			r1, g1, b1, _ := a.At(ao.X+x, ao.Y+y).RGBA()
			r2, g2, b2, _ := b.At(bo.X+x, bo.Y+y).RGBA()
			worst := 0.0
			for _, d := range []float64{
				math.Abs(float64(r1>>8) - float64(r2>>8)),
				math.Abs(float64(g1>>8) - float64(g2>>8)),
				math.Abs(float64(b1>>8) - float64(b2>>8)),
			} {
				sum += d
				worst = max(worst, d)
			}
			if worst > pixelDiff {
				off++
			}
			n++
		}
	}
	return sum / float64(3*n), float64(off) / float64(n), nil
}

func TestDeterministic(t *testing.T) {
	t.Parallel()
	s := figureRig(1, 20)
	c := walkClip(s, 30, 31, 120)
	m := measure(t, s, c, "walk")
	for _, tt := range []struct {
		name   string
		render func() ([]byte, error)
	}{
		{"sheet", func() ([]byte, error) { return ContactSheetPNG(s, c, SheetOptions{Frames: 3}) }},
		{"plot", func() ([]byte, error) { return MetricsPlotPNG(m, []quality.Metrics{m}, PlotOptions{}) }},
	} {
		a, err := tt.render()
		if err != nil {
			t.Fatal(err)
		}
		b, err := tt.render()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s: two renders of the same input differ", tt.name)
		}
	}
}

// TestSheetScaleInvariant proves a rig of any size fills its cells alike: the 12× character's
// frames look as the 1× character's (the trajectory panel's axes differ and are not compared).
func TestSheetScaleInvariant(t *testing.T) {
	t.Parallel()
	var imgs []image.Image
	for _, scale := range []float64{1, 12} {
		s := figureRig(scale, 20)
		img, err := ContactSheet(s, walkClip(s, 30, 31, 0), SheetOptions{Frames: 3, Title: "x"})
		if err != nil {
			t.Fatal(err)
		}
		imgs = append(imgs, img)
	}
	frames := image.Rect(0, 0, px(margin+labelW+3*cellW), imgs[0].Bounds().Dy())
	a := imgs[0].(interface {
		SubImage(image.Rectangle) image.Image
	}).SubImage(frames)
	b := imgs[1].(interface {
		SubImage(image.Rectangle) image.Image
	}).SubImage(frames)
	mean, frac, err := diff(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if mean > 0.5 || frac > 0.002 {
		t.Errorf("1× and 12× frames differ: mean %.3f, fraction %.4f", mean, frac)
	}
}

// px converts a layout length in points to pixels.
func px(l vg.Length) int { return int(math.Round(float64(l) * dpi / 72)) }

func TestMetricsPlotLabelled(t *testing.T) {
	t.Parallel()
	s := figureRig(1, 20)
	res := measure(t, s, walkClip(s, 30, 31, 80), "blend")
	in := measure(t, s, walkClip(s, 30, 31, 0), "in place")
	panels, err := metricPanels(res, []quality.Metrics{in}, PlotOptions{Transition: &Transition{Start: 5, Frames: 5}})
	if err != nil {
		t.Fatal(err)
	}
	if len(panels) != 6 {
		t.Fatalf("%d panels, want 6", len(panels))
	}
	wantLegend := []string{"transition", "result: blend", "input 1: in place"}
	for i, p := range panels {
		if p.plot.Title.Text == "" {
			t.Errorf("panel %d has no title", i)
		}
		if p.plot.X.Label.Text != "time (s)" {
			t.Errorf("panel %q: x label %q, want time (s)", p.plot.Title.Text, p.plot.X.Label.Text)
		}
		if y := p.plot.Y.Label.Text; !strings.HasSuffix(y, ")") || !strings.Contains(y, " (") {
			t.Errorf("panel %q: y label %q names no unit", p.plot.Title.Text, y)
		}
		if strings.Join(p.legend, "|") != strings.Join(wantLegend, "|") {
			t.Errorf("panel %q: legend %q, want %q", p.plot.Title.Text, p.legend, wantLegend)
		}
	}

	img, err := MetricsPlot(res, []quality.Metrics{in}, PlotOptions{Transition: &Transition{Start: 5, Frames: 5}})
	if err != nil {
		t.Fatal(err)
	}
	// Where each panel draws its labels and legend, the picture must not be blank.
	tiles := metricsTiles()
	page := draw.Canvas{Rectangle: vg.Rectangle{Max: vg.Point{X: plotW, Y: plotH}}}
	for i := range panels {
		r := tiles.At(page, i%tiles.Cols, i/tiles.Cols).Rectangle
		w, h := r.Max.X-r.Min.X, r.Max.Y-r.Min.Y
		regions := []struct {
			what string
			r    vg.Rectangle
		}{
			{"y label", vg.Rectangle{Min: vg.Point{X: r.Min.X, Y: r.Min.Y + h/4}, Max: vg.Point{X: r.Min.X + 14, Y: r.Max.Y - h/4}}},
			{"x label", vg.Rectangle{Min: vg.Point{X: r.Min.X + w/4, Y: r.Min.Y}, Max: vg.Point{X: r.Max.X - w/4, Y: r.Min.Y + 12}}},
			{"title", vg.Rectangle{Min: vg.Point{X: r.Min.X + w/4, Y: r.Max.Y - 14}, Max: vg.Point{X: r.Max.X - w/4, Y: r.Max.Y}}},
			{"legend", vg.Rectangle{Min: vg.Point{X: r.Max.X - w/5, Y: r.Max.Y - 60}, Max: vg.Point{X: r.Max.X, Y: r.Max.Y - 14}}},
		}
		for _, reg := range regions {
			if n := darkPixels(img, reg.r); n < 20 {
				t.Errorf("panel %d %s region is blank (%d dark pixels)", i, reg.what, n)
			}
		}
	}
}

// darkPixels counts pixels darker than mid-grey inside r (points, origin bottom left).
func darkPixels(img image.Image, r vg.Rectangle) int {
	h := img.Bounds().Dy()
	box := image.Rect(px(r.Min.X), h-px(r.Max.Y), px(r.Max.X), h-px(r.Min.Y)).Intersect(img.Bounds())
	n := 0
	for y := box.Min.Y; y < box.Max.Y; y++ {
		for x := box.Min.X; x < box.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			if (cr+cg+cb)/3 < 0x8000 {
				n++
			}
		}
	}
	return n
}

func TestInputErrors(t *testing.T) {
	t.Parallel()
	s := figureRig(1, 20)
	c := walkClip(s, 30, 10, 0)
	m := measure(t, s, c, "walk")
	tests := []struct {
		name  string
		run   func() error
		field string
	}{
		{"too many frames", func() error { _, err := ContactSheet(s, c, SheetOptions{Frames: MaxFrames + 1}); return err }, "frames"},
		{"window after the clip", func() error {
			_, err := ContactSheet(s, c, SheetOptions{Transition: &Transition{Start: 10, Frames: 2}})
			return err
		}, "transition"},
		{"weight above one", func() error { _, err := ContactSheet(s, c, SheetOptions{Weights: []float64{1.5}}); return err }, "weights[0]"},
		{"short tracks", func() error {
			d := c.Clone()
			d.Rotations = d.Rotations[:5]
			_, err := ContactSheet(s, d, SheetOptions{})
			return err
		}, "clip"},
		{"compact metrics", func() error { _, err := MetricsPlot(m.Compact(), nil, PlotOptions{}); return err }, "result"},
		{"input without rate", func() error { _, err := MetricsPlot(m, []quality.Metrics{{}}, PlotOptions{}); return err }, "inputs[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run()
			var ie *InputError
			if !errors.As(err, &ie) || ie.Field != tt.field {
				t.Fatalf("error %v, want an *InputError on %q", err, tt.field)
			}
		})
	}
}

// CheckSheet fails as ContactSheet does, and passes what it draws.
func TestCheckSheet(t *testing.T) {
	t.Parallel()
	s := figureRig(1, 20)
	c := walkClip(s, 30, 10, 0)
	short := c.Clone()
	short.Rotations = short.Rotations[:5]
	for _, tt := range []struct {
		clip  *anim.Clip
		opt   SheetOptions
		field string
	}{
		{c, SheetOptions{}, ""},
		{c, SheetOptions{Frames: MaxFrames + 1}, "frames"},
		{c, SheetOptions{Transition: &Transition{Start: 10, Frames: 2}}, "transition"},
		{short, SheetOptions{}, "clip"},
	} {
		checked, drawn := CheckSheet(s, tt.clip, tt.opt), func() error { _, err := ContactSheet(s, tt.clip, tt.opt); return err }()
		for what, err := range map[string]error{"CheckSheet": checked, "ContactSheet": drawn} {
			var ie *InputError
			switch {
			case tt.field == "" && err != nil:
				t.Errorf("%s(%+v): %v", what, tt.opt, err)
			case tt.field != "" && (!errors.As(err, &ie) || ie.Field != tt.field):
				t.Errorf("%s(%+v): %v, want an *InputError on %q", what, tt.opt, err, tt.field)
			}
		}
	}
}

func TestSampleFrames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		frames, n int
		want      string
	}{
		{1, 8, "[0]"},
		{5, 8, "[0 1 2 3 4]"},
		{61, 4, "[0 20 40 60]"},
		{10, 1, "[0]"},
	}
	for _, tt := range tests {
		if got := fmt.Sprint(sampleFrames(tt.frames, tt.n)); got != tt.want {
			t.Errorf("sampleFrames(%d, %d) = %s, want %s", tt.frames, tt.n, got, tt.want)
		}
	}
}
