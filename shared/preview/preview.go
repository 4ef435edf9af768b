// Package preview draws pictures of clips and their quality metrics: a contact sheet of the
// skeleton at evenly spaced frames and plots of the per-frame metrics. It renders on the CPU
// with gonum.org/v1/plot's image canvas and its embedded Liberation fonts, so the same input
// gives the same PNG on any machine, with no GPU, browser or system fonts.
package preview

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// dpi is the raster resolution; layout lengths are in points (1/72 in), so one point is 4/3 px.
const dpi = 96

// Transition marks a blend's handover: result frames [Start, Start+Frames) cross-fade from the
// first input to the second (blend.TransitionInfo's StartFrame and Frames).
type Transition struct {
	Start, Frames int
}

// InputError reports an option or input the renderer cannot draw.
type InputError struct {
	Field  string
	Reason string
}

func (e *InputError) Error() string { return "preview: " + e.Field + ": " + e.Reason }

func inputErr(field, format string, args ...any) error {
	return &InputError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// EncodePNG encodes an image as PNG. The encoder writes no time or metadata chunks, so equal
// images give equal bytes.
func EncodePNG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("preview: encode png: %w", err)
	}
	return buf.Bytes(), nil
}

// newCanvas returns a white canvas of w×h points and a draw.Canvas covering it.
func newCanvas(w, h vg.Length) (*vgimg.Canvas, draw.Canvas) {
	c := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(dpi), vgimg.UseBackgroundColor(color.White))
	return c, draw.New(c)
}

// textStyle is every label's style: Liberation Sans, as plot's default serif reads worse at
// small sizes.
func textStyle(size vg.Length, c color.Color, xa draw.XAlignment, ya draw.YAlignment) draw.TextStyle {
	return draw.TextStyle{
		Color:   c,
		Font:    font.From(font.Font{Typeface: "Liberation", Variant: "Sans"}, size),
		Handler: plot.DefaultTextHandler,
		XAlign:  xa,
		YAlign:  ya,
	}
}

// Palette shared by both pictures, as 0xRRGGBB: colour-blind-safe hues (Okabe–Ito).
const (
	colLeft   = 0x0072B2 // blue: left side of the body
	colRight  = 0xD55E00 // vermillion: right side
	colCentre = 0x3C3C3C // spine, head, hips
	colGrid   = 0xE1E1E1
	colShade  = 0xFFDC96
	colText   = 0x1E1E1E
	colMuted  = 0x6E6E6E
)

// inputColour is the colour of the i-th input's curves; results are drawn in black.
func inputColour(i int) color.RGBA {
	hues := [...]uint32{0x009E73, 0xCC79A7, 0xE69F00, 0x56B4E9}
	return rgb(hues[i%len(hues)])
}

func rgb(v uint32) color.RGBA { return color.RGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 255} }
