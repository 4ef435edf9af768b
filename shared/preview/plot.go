package preview

import (
	"fmt"
	"image"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/quality"
)

// PlotOptions tunes MetricsPlot.
type PlotOptions struct {
	// Title heads the picture; the result's name when empty.
	Title string
	// Inputs names the inputs in the legends; each input's Metrics.Name when missing.
	Inputs []string
	// Transition, for a transition blend, is shaded on every panel, in result frames.
	Transition *Transition
}

// Size of the metrics picture, in points: two columns (left, right) of three panels.
const (
	plotW vg.Length = 760
	plotH vg.Length = 600
)

// metricsTiles lays out the six panels under the title.
func metricsTiles() draw.Tiles {
	return draw.Tiles{Rows: 3, Cols: 2, PadTop: 26, PadBottom: 6, PadLeft: 6, PadRight: 10, PadX: 18, PadY: 10}
}

// panel is one plot of the metrics picture, with the legend names it was given (the plot keeps
// its legend entries private).
type panel struct {
	plot   *plot.Plot
	legend []string
}

// curve picks one per-frame series out of a clip's metrics.
type curve struct {
	title, unit string
	series      func(quality.Series) []float64
	feet        bool // a foot series, absent when the rig has no feet
}

// metricCurves are the panels in reading order: left column left foot, right column right foot,
// then translation and rotation change between frames.
func metricCurves() []curve {
	return []curve{
		{"left foot height", "height (cm)", func(s quality.Series) []float64 { return s.LeftFootHeightCM }, true},
		{"right foot height", "height (cm)", func(s quality.Series) []float64 { return s.RightFootHeightCM }, true},
		{"left foot speed", "speed (cm/s)", func(s quality.Series) []float64 { return s.LeftFootSpeedCMPerS }, true},
		{"right foot speed", "speed (cm/s)", func(s quality.Series) []float64 { return s.RightFootSpeedCMPerS }, true},
		{"pose change per frame (largest joint move)", "distance (cm)", func(s quality.Series) []float64 { return s.PoseChangeCM }, false},
		{"rotation change per frame (largest joint turn)", "angle (°)", func(s quality.Series) []float64 { return s.RotationChangeDeg }, false},
	}
}

// MetricsPlot plots a clip's per-frame metrics over time: foot height and speed for each foot
// and the per-frame pose and rotation change. inputs, for a blend, are the inputs' metrics,
// drawn dashed in colour beside the result's solid black curve. Metrics must keep their Series
// (not Compact).
func MetricsPlot(result quality.Metrics, inputs []quality.Metrics, opt PlotOptions) (image.Image, error) {
	panels, err := metricPanels(result, inputs, opt)
	if err != nil {
		return nil, err
	}
	img, dc := newCanvas(plotW, plotH)
	title := opt.Title
	if title == "" {
		title = result.Name
	}
	heading := fmt.Sprintf("quality over time (%d frames at %g fps)", result.Frames, result.FPS)
	if title != "" {
		heading = title + "   " + heading
	}
	dc.FillText(textStyle(12, rgb(colText), draw.XLeft, draw.YTop), vg.Point{X: 8, Y: plotH - 6}, heading)
	tiles := metricsTiles()
	for i, p := range panels {
		p.plot.Draw(tiles.At(dc, i%tiles.Cols, i/tiles.Cols))
	}
	return img.Image(), nil
}

// MetricsPlotPNG is MetricsPlot encoded as PNG.
func MetricsPlotPNG(result quality.Metrics, inputs []quality.Metrics, opt PlotOptions) ([]byte, error) {
	img, err := MetricsPlot(result, inputs, opt)
	if err != nil {
		return nil, err
	}
	return EncodePNG(img)
}

func metricPanels(result quality.Metrics, inputs []quality.Metrics, opt PlotOptions) ([]panel, error) {
	all := append([]quality.Metrics{result}, inputs...)
	for i, m := range all {
		field := "result"
		if i > 0 {
			field = fmt.Sprintf("inputs[%d]", i-1)
		}
		if !(m.FPS > 0) {
			return nil, inputErr(field, "frame rate %v must be positive", m.FPS)
		}
		if len(m.Series.PoseChangeCM) == 0 {
			return nil, inputErr(field, "no per-frame series (metrics were compacted or the clip is empty)")
		}
	}
	if t := opt.Transition; t != nil && (t.Start < 0 || t.Frames < 1) {
		return nil, inputErr("transition", "window starts at frame %d for %d frames; want a start ≥ 0 and at least 1 frame", t.Start, t.Frames)
	}
	names := make([]string, len(all))
	for i, m := range all {
		name := m.Name
		if i > 0 && i-1 < len(opt.Inputs) && opt.Inputs[i-1] != "" {
			name = opt.Inputs[i-1]
		}
		// Inputs often share a name ("mixamo.com"), so the legend numbers them.
		names[i] = fmt.Sprintf("input %d: %s", i, name)
		if i == 0 {
			names[0] = "result: " + name
		}
	}

	var out []panel
	for _, cv := range metricCurves() {
		p := plot.New()
		sansPlot(p)
		p.Title.Text = cv.title
		p.X.Label.Text = "time (s)"
		p.Y.Label.Text = cv.unit
		p.Legend.Top = true
		p.Add(plotter.NewGrid())
		pn := panel{plot: p}
		if t := opt.Transition; t != nil {
			w := &window{x0: float64(t.Start) / result.FPS, x1: float64(t.Start+t.Frames) / result.FPS}
			p.Add(w)
			p.Legend.Add("transition", w)
			pn.legend = append(pn.legend, "transition")
		}
		// Inputs are added first so the result's curve lies on top; the legend lists the result first.
		lines := make([]*plotter.Line, len(all))
		top := 0.0
		for i := len(all) - 1; i >= 0; i-- {
			m := all[i]
			if cv.feet && !m.Feet {
				continue
			}
			ys := cv.series(m.Series)
			xy := make(plotter.XYs, len(ys))
			for f, y := range ys {
				xy[f] = plotter.XY{X: float64(f) / m.FPS, Y: y}
			}
			if len(xy) == 0 {
				continue
			}
			l, err := plotter.NewLine(xy)
			if err != nil {
				return nil, fmt.Errorf("preview: %s of %s: %w", cv.title, names[i], err)
			}
			if i == 0 {
				l.Color, l.Width = rgb(colText), 1.4
			} else {
				l.Color, l.Width = inputColour(i-1), 1.1
				l.Dashes = [][]vg.Length{{4, 2}, {1.5, 1.5}, {6, 2, 1.5, 2}}[(i-1)%3]
			}
			p.Add(l)
			lines[i] = l
			for _, v := range xy {
				top = max(top, v.Y)
			}
		}
		for i, l := range lines {
			if l != nil {
				p.Legend.Add(names[i], l)
				pn.legend = append(pn.legend, names[i])
			}
		}
		// Headroom above the curves for the legend, so it never hides a peak: a legend row is
		// about a twelfth of a panel's data height.
		p.Y.Min = min(p.Y.Min, 0)
		p.Y.Max = max(top, p.Y.Max)
		p.Y.Max += 0.09 * float64(len(pn.legend)) * (p.Y.Max - p.Y.Min)
		if cv.feet && !result.Feet {
			p.Title.Text += " (no feet found in the result)"
		}
		out = append(out, pn)
	}
	return out, nil
}

// window shades a time span over a panel's full height; it has no data range of its own, so
// it never widens the axes.
type window struct{ x0, x1 float64 }

func (w *window) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	x0, x1 := max(trX(w.x0), c.Min.X), min(trX(w.x1), c.Max.X)
	if x1 <= x0 {
		return
	}
	c.FillPolygon(rgb(colShade), []vg.Point{{X: x0, Y: c.Min.Y}, {X: x1, Y: c.Min.Y}, {X: x1, Y: c.Max.Y}, {X: x0, Y: c.Max.Y}})
}

// Thumbnail draws the legend's swatch for the window.
func (w *window) Thumbnail(c *draw.Canvas) {
	c.FillPolygon(rgb(colShade), []vg.Point{c.Min, {X: c.Max.X, Y: c.Min.Y}, c.Max, {X: c.Min.X, Y: c.Max.Y}})
}
