package preview

import (
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/quality"
)

// BenchmarkContactSheet draws a 10 s clip of a 65-joint rig at 60 fps (600 frames), the size
// of a long Mixamo export, and encodes it as PNG: the work a preview of one seed costs.
func BenchmarkContactSheet(b *testing.B) {
	s := figureRig(1, 65)
	c := walkClip(s, 60, 600, 120)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ContactSheetPNG(s, c, SheetOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMetricsPlot plots the same clip's metrics beside two inputs' and encodes the PNG.
func BenchmarkMetricsPlot(b *testing.B) {
	s := figureRig(1, 65)
	c := walkClip(s, 60, 600, 120)
	m, err := quality.Measure(s, c, quality.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := MetricsPlotPNG(m, []quality.Metrics{m, m}, PlotOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
