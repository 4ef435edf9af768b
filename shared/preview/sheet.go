package preview

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
)

// SheetOptions tunes ContactSheet. The zero value draws 8 frames titled with the clip's name.
type SheetOptions struct {
	// Frames is how many frames to show, evenly spaced from the first to the last; 0 means
	// DefaultFrames. A clip with fewer frames shows all of them.
	Frames int
	// Title replaces the clip's name in the heading.
	Title string
	// Transition, for a transition blend, is the handover window, shaded in a strip under the
	// frames on the same time axis.
	Transition *Transition
	// Weights, for a mix or blendspace, are the constant per-input weights, drawn as a stacked
	// band in the strip.
	Weights []float64
	// Inputs names the blend's inputs in the strip; optional.
	Inputs []string
}

// DefaultFrames is the number of frames a contact sheet shows unless told otherwise; MaxFrames
// bounds it, as each frame is a column of fixed width.
const (
	DefaultFrames = 8
	MaxFrames     = 32
)

// Layout of the sheet, in points.
const (
	margin  vg.Length = 8
	titleH  vg.Length = 22
	labelW  vg.Length = 16  // rotated row labels left of the frames
	cellW   vg.Length = 110 // one frame of one view
	cellH   vg.Length = 160
	cellPad vg.Length = 6
	timeH   vg.Length = 13 // time label at the top of a cell
	gap     vg.Length = 10
	trajW   vg.Length = 210 // root trajectory panel right of the frames
	stripH  vg.Length = 44  // blend strip under the frames
	dotR    vg.Length = 1.4
	boneW   vg.Length = 1.3
)

// sheetLayout places the parts of a sheet of n frames; lengths in points, origin bottom left.
type sheetLayout struct {
	n     int
	blend bool // a strip under the frames for the blend
}

func (l sheetLayout) size() (w, h vg.Length) {
	w = 2*margin + labelW + vg.Length(l.n)*cellW + gap + trajW
	h = 2*margin + titleH + 2*cellH
	if l.blend {
		h += gap + stripH
	}
	return w, h
}

// cell is frame i's cell in row 0 (side view) or 1 (front view).
func (l sheetLayout) cell(row, i int) vg.Rectangle {
	_, h := l.size()
	top := h - margin - titleH - vg.Length(row)*cellH
	x := margin + labelW + vg.Length(i)*cellW
	return vg.Rectangle{Min: vg.Point{X: x, Y: top - cellH}, Max: vg.Point{X: x + cellW, Y: top}}
}

func (l sheetLayout) trajectory() vg.Rectangle {
	w, _ := l.size()
	last := l.cell(1, l.n-1)
	return vg.Rectangle{Min: vg.Point{X: last.Max.X + gap, Y: last.Min.Y}, Max: vg.Point{X: w - margin, Y: l.cell(0, 0).Max.Y}}
}

func (l sheetLayout) blendStrip() vg.Rectangle {
	return vg.Rectangle{
		Min: vg.Point{X: margin + labelW, Y: margin},
		Max: vg.Point{X: l.cell(1, l.n-1).Max.X, Y: margin + stripH},
	}
}

// view is a projection of world positions onto a picture plane: h is the world axis drawn
// across (Y is always up).
type view struct {
	name string
	h    int
}

// ContactSheet draws the skeleton as bones at evenly spaced frames in a side view (Z across,
// Y up) and a front view (X across, Y up), the root's path seen from above, and, when opt
// describes a blend, its weights or transition window under the frames.
//
// Each view keeps one scale for all its frames so that motion between frames reads true, and
// each frame is centred across on the root: a clip with root motion would otherwise walk out of
// its cells, and the trajectory panel shows where it goes. The scale comes from the clip's own
// extent, so a rig of any size fills the cells.
func ContactSheet(s *anim.Skeleton, c *anim.Clip, opt SheetOptions) (image.Image, error) {
	if err := checkSheet(s, c, &opt); err != nil {
		return nil, err
	}
	nj := c.NumJoints
	frames := sampleFrames(c.Frames, opt.Frames)
	// Whole poses only at the frames shown, so the cost does not grow with the clip's length
	// beyond the root's path.
	poses := make([]anim.Vec3, len(frames)*nj)
	for i, f := range frames {
		c.WorldPositions(s, f, poses[i*nj:(i+1)*nj])
	}
	root := rootJoint(s)
	path := rootPath(s, c, root)
	side := sideColours(s)

	strip := opt.Transition != nil || len(opt.Weights) > 0
	lay := sheetLayout{n: len(frames), blend: strip}
	w, h := lay.size()
	img, dc := newCanvas(w, h)

	title := opt.Title
	if title == "" {
		title = c.Name
	}
	heading := fmt.Sprintf("%d joints, %d frames at %g fps, %.2f s", nj, c.Frames, c.FPS, c.Duration())
	if title != "" {
		heading = title + "   " + heading
	}
	dc.FillText(textStyle(12, rgb(colText), draw.XLeft, draw.YTop), vg.Point{X: margin, Y: h - margin}, heading)

	views := [2]view{{"side: Z across, Y up", 2}, {"front: X across, Y up", 0}}
	for r, v := range views {
		row := lay.cell(r, 0)
		ls := textStyle(9, rgb(colMuted), draw.XCenter, draw.YBottom)
		ls.Rotation = math.Pi / 2
		dc.FillText(ls, vg.Point{X: row.Min.X - 3, Y: (row.Min.Y + row.Max.Y) / 2}, v.name)
		sc := fitView(poses, nj, root, v.h)
		for i, f := range frames {
			cell := lay.cell(r, i)
			drawCell(dc, cell, s, poses[i*nj:(i+1)*nj], root, v.h, sc, side)
			if r == 0 {
				dc.FillText(textStyle(9, rgb(colText), draw.XCenter, draw.YTop),
					vg.Point{X: (cell.Min.X + cell.Max.X) / 2, Y: cell.Max.Y - 2},
					fmt.Sprintf("%.2f s  (frame %d)", c.Time(f), f))
			}
		}
	}
	if err := drawTrajectory(dc, lay.trajectory(), path, frames); err != nil {
		return nil, err
	}
	if strip {
		drawStrip(dc, lay.blendStrip(), c, frames, opt)
	}
	return img.Image(), nil
}

// ContactSheetPNG is ContactSheet encoded as PNG.
func ContactSheetPNG(s *anim.Skeleton, c *anim.Clip, opt SheetOptions) ([]byte, error) {
	img, err := ContactSheet(s, c, opt)
	if err != nil {
		return nil, err
	}
	return EncodePNG(img)
}

// CheckSheet makes ContactSheet's checks of its input without drawing: a caller that names
// a sheet before it is drawn (elsewhere, later) promises only what can be drawn.
func CheckSheet(s *anim.Skeleton, c *anim.Clip, opt SheetOptions) error {
	return checkSheet(s, c, &opt)
}

func checkSheet(s *anim.Skeleton, c *anim.Clip, opt *SheetOptions) error {
	if s == nil || c == nil {
		return inputErr("clip", "skeleton and clip are required")
	}
	if err := s.Validate(); err != nil {
		return &InputError{Field: "skeleton", Reason: err.Error()}
	}
	if err := c.Validate(s); err != nil {
		return &InputError{Field: "clip", Reason: err.Error()}
	}
	switch {
	case opt.Frames == 0:
		opt.Frames = DefaultFrames
	case opt.Frames < 0 || opt.Frames > MaxFrames:
		return inputErr("frames", "%d is outside 1..%d", opt.Frames, MaxFrames)
	}
	if t := opt.Transition; t != nil && (t.Start < 0 || t.Frames < 1 || t.Start >= c.Frames) {
		return inputErr("transition", "window starts at frame %d for %d frames; want a start in 0..%d and at least 1 frame",
			t.Start, t.Frames, c.Frames-1)
	}
	for i, v := range opt.Weights {
		if !(v >= 0 && v <= 1) {
			return inputErr(fmt.Sprintf("weights[%d]", i), "%v is not a weight in [0, 1]", v)
		}
	}
	return nil
}

// sampleFrames returns n frames evenly spaced over [0, frames-1], first and last included.
func sampleFrames(frames, n int) []int {
	n = min(n, frames)
	if n == 1 {
		return []int{0}
	}
	out := make([]int, n)
	for i := range out {
		out[i] = int(math.Round(float64(i) * float64(frames-1) / float64(n-1)))
	}
	return out
}

// rootJoint is the joint whose path the sheet follows: the hips when the rig names them, since
// an armature or reference root above them often stays still while the body moves.
func rootJoint(s *anim.Skeleton) int {
	for j, jt := range s.Joints {
		if strings.HasSuffix(strings.ToLower(jt.Name), "hips") {
			return j
		}
	}
	return 0
}

// rootPath is the root joint's world position at every frame; it computes only the root's
// chain of joints.
func rootPath(s *anim.Skeleton, c *anim.Clip, root int) []anim.Vec3 {
	chain := s.Chain(root)
	mats := make([]anim.Mat4, c.NumJoints)
	out := make([]anim.Vec3, c.Frames)
	for f := range out {
		c.WorldMatricesOf(s, f, chain, mats)
		m := &mats[root]
		out[f] = anim.Vec3{m[12], m[13], m[14]}
	}
	return out
}

// sideColours colours each joint's bone by the side of the body its name says.
func sideColours(s *anim.Skeleton) []uint32 {
	out := make([]uint32, len(s.Joints))
	for j, jt := range s.Joints {
		switch n := strings.ToLower(jt.Name); {
		case strings.Contains(n, "left"):
			out[j] = colLeft
		case strings.Contains(n, "right"):
			out[j] = colRight
		default:
			out[j] = colCentre
		}
	}
	return out
}

// viewScale maps a view's world coordinates into a cell: across, relative to the frame's root;
// up, from lo.
type viewScale struct {
	k      float64 // points per centimetre
	lo, hi float64 // vertical world range shown
}

// fitView finds the scale that fits every pose (nj joints each) into a cell.
func fitView(poses []anim.Vec3, nj, root, h int) viewScale {
	half, lo, hi := 0.0, math.Inf(1), math.Inf(-1)
	for i := 0; i < len(poses); i += nj {
		pose := poses[i : i+nj]
		r := pose[root][h]
		for _, p := range pose {
			half = max(half, math.Abs(p[h]-r))
			lo, hi = min(lo, p[1]), max(hi, p[1])
		}
	}
	// Stand the figure on the floor when it is near it, so lifts and crouches read as such.
	if lo > 0 && lo < 0.15*(hi-lo) {
		lo = 0
	}
	const eps = 1e-9
	kw := float64(cellW-2*cellPad) / math.Max(2*half, eps)
	kh := float64(cellH-timeH-2*cellPad) / math.Max(hi-lo, eps)
	k := math.Min(kw, kh)
	if half < eps && hi-lo < eps {
		k = 1 // a single point: any scale shows it
	}
	return viewScale{k: k, lo: lo, hi: hi}
}

func drawCell(dc draw.Canvas, cell vg.Rectangle, s *anim.Skeleton, pose []anim.Vec3, root, h int, sc viewScale, side []uint32) {
	dc.StrokeLines(draw.LineStyle{Color: rgb(colGrid), Width: 0.6}, []vg.Point{
		cell.Min, {X: cell.Max.X, Y: cell.Min.Y}, cell.Max, {X: cell.Min.X, Y: cell.Max.Y}, cell.Min,
	})
	inner := cell.Max.Y - timeH - cellPad - (cell.Min.Y + cellPad)
	base := cell.Min.Y + cellPad + (inner-vg.Length((sc.hi-sc.lo)*sc.k))/2
	cx := (cell.Min.X + cell.Max.X) / 2
	r := pose[root][h]
	at := func(p anim.Vec3) vg.Point {
		return vg.Point{X: cx + vg.Length((p[h]-r)*sc.k), Y: base + vg.Length((p[1]-sc.lo)*sc.k)}
	}
	if sc.lo <= 0 && sc.hi >= 0 {
		y := base + vg.Length(-sc.lo*sc.k)
		dc.StrokeLine2(draw.LineStyle{Color: rgb(colGrid), Width: 1}, cell.Min.X+cellPad, y, cell.Max.X-cellPad, y)
	}
	for j, jt := range s.Joints {
		if jt.Parent < 0 {
			continue
		}
		dc.StrokeLine2(draw.LineStyle{Color: rgb(side[j]), Width: boneW}, at(pose[jt.Parent]).X, at(pose[jt.Parent]).Y, at(pose[j]).X, at(pose[j]).Y)
	}
	for j := range s.Joints {
		dc.DrawGlyph(draw.GlyphStyle{Color: rgb(side[j]), Radius: dotR, Shape: draw.CircleGlyph{}}, at(pose[j]))
	}
}

// drawTrajectory plots the root's path on the ground plane over every frame, marking the frames
// the sheet shows. Both axes get the same centimetres per point, so turns keep their shape.
func drawTrajectory(dc draw.Canvas, r vg.Rectangle, root []anim.Vec3, shown []int) error {
	path := make(plotter.XYs, len(root))
	minX, maxX, minZ, maxZ := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	lo, hi := math.Inf(1), math.Inf(-1)
	for f, p := range root {
		path[f] = plotter.XY{X: p[0], Y: p[2]}
		minX, maxX, minZ, maxZ = min(minX, p[0]), max(maxX, p[0]), min(minZ, p[2]), max(maxZ, p[2])
		lo, hi = min(lo, p[1]), max(hi, p[1])
	}
	marks := make(plotter.XYs, len(shown))
	for i, f := range shown {
		marks[i] = path[f]
	}

	p := plot.New()
	sansPlot(p)
	p.Title.Text = "root from above"
	p.X.Label.Text = "X (cm)"
	p.Y.Label.Text = "Z (cm)"
	p.Add(plotter.NewGrid())
	line, err := plotter.NewLine(path)
	if err != nil {
		return fmt.Errorf("preview: trajectory: %w", err)
	}
	line.Color = rgb(colCentre)
	line.Width = 1.2
	sc, err := plotter.NewScatter(marks)
	if err != nil {
		return fmt.Errorf("preview: trajectory: %w", err)
	}
	sc.GlyphStyle = draw.GlyphStyle{Color: rgb(colRight), Radius: 2.2, Shape: draw.CircleGlyph{}}
	start, err := plotter.NewScatter(path[:1])
	if err != nil {
		return fmt.Errorf("preview: trajectory: %w", err)
	}
	start.GlyphStyle = draw.GlyphStyle{Color: rgb(colLeft), Radius: 3.5, Shape: draw.RingGlyph{}}
	p.Add(line, sc, start)
	p.Legend.Add("path", line)
	p.Legend.Add("shown frames", sc)
	p.Legend.Add("start", start)
	p.Legend.Top = true

	// An in-place clip's root barely moves; show it at a fraction of the body's height so a
	// sway of a centimetre does not fill the panel as if it were a walk.
	span := math.Max(math.Max(maxX-minX, maxZ-minZ), 0.5*math.Max(hi, hi-lo))
	span = math.Max(span*1.15, 1e-6)
	// The data area is taller than wide; stretch the Z range so a centimetre is as long both ways.
	aspect := float64(r.Max.Y-r.Min.Y-70) / float64(r.Max.X-r.Min.X-60)
	cx, cz := (minX+maxX)/2, (minZ+maxZ)/2
	p.X.Min, p.X.Max = cx-span/2, cx+span/2
	p.Y.Min, p.Y.Max = cz-span*aspect/2, cz+span*aspect/2
	p.Draw(draw.Canvas{Canvas: dc.Canvas, Rectangle: r})
	return nil
}

// drawStrip draws the blend under the frames on their time axis: a transition as the first
// input's colour, the shaded window, then the second input's colour; a mix as a band stacked
// by weight.
func drawStrip(dc draw.Canvas, r vg.Rectangle, c *anim.Clip, shown []int, opt SheetOptions) {
	band := vg.Rectangle{Min: vg.Point{X: r.Min.X, Y: r.Min.Y + 14}, Max: r.Max}
	fill := func(x0, x1, y0, y1 vg.Length, col uint32) {
		dc.FillPolygon(rgb(col), []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}})
	}
	name := func(i int) string {
		if i < len(opt.Inputs) && opt.Inputs[i] != "" {
			return opt.Inputs[i]
		}
		return fmt.Sprintf("input %d", i+1)
	}
	// frameX places frame f on the columns' axis: sampled frame i sits under column i's centre.
	first, last := float64(shown[0]), float64(shown[len(shown)-1])
	span := vg.Length(len(shown)-1) * cellW
	frameX := func(f float64) vg.Length {
		x := r.Min.X + cellW/2
		if last > first {
			x += vg.Length((f-first)/(last-first)) * span
		}
		return min(max(x, r.Min.X), r.Max.X)
	}
	label := textStyle(9, rgb(colText), draw.XLeft, draw.YCenter)
	mid := (band.Min.Y + band.Max.Y) / 2
	switch {
	case opt.Transition != nil:
		t := opt.Transition
		xs, xe := frameX(float64(t.Start)), frameX(float64(t.Start+t.Frames))
		fill(band.Min.X, xs, band.Min.Y, band.Max.Y, lighten(inputColour(0)))
		fill(xs, xe, band.Min.Y, band.Max.Y, colShade)
		fill(xe, band.Max.X, band.Min.Y, band.Max.Y, lighten(inputColour(1)))
		dc.FillText(label, vg.Point{X: band.Min.X + 4, Y: mid}, name(0))
		right := label
		right.XAlign = draw.XRight
		dc.FillText(right, vg.Point{X: band.Max.X - 4, Y: mid}, name(1))
		end := t.Start + t.Frames - 1
		dc.FillText(textStyle(9, rgb(colText), draw.XCenter, draw.YBottom), vg.Point{X: (xs + xe) / 2, Y: r.Min.Y},
			fmt.Sprintf("transition: frames %d–%d (%.2f–%.2f s)", t.Start, end, c.Time(t.Start), c.Time(end)))
	default:
		y := band.Max.Y
		var parts []string
		for i, wt := range opt.Weights {
			hgt := vg.Length(wt) * (band.Max.Y - band.Min.Y)
			fill(band.Min.X, band.Max.X, y-hgt, y, lighten(inputColour(i)))
			y -= hgt
			parts = append(parts, fmt.Sprintf("%s %.2f", name(i), wt))
		}
		dc.FillText(label, vg.Point{X: band.Min.X + 4, Y: mid}, "weights: "+strings.Join(parts, ", "))
		dc.FillText(textStyle(9, rgb(colMuted), draw.XLeft, draw.YBottom), vg.Point{X: r.Min.X, Y: r.Min.Y},
			"constant over the clip")
	}
	for i := range shown {
		x := r.Min.X + cellW/2 + vg.Length(i)*cellW
		dc.StrokeLine2(draw.LineStyle{Color: rgb(colMuted), Width: 0.8}, x, band.Max.Y, x, band.Max.Y-5)
	}
}

// lighten mixes a colour halfway to white, for fills that carry dark text.
func lighten(c color.RGBA) uint32 {
	return uint32(c.R/2+128)<<16 | uint32(c.G/2+128)<<8 | uint32(c.B/2+128)
}

// sansPlot sets every text of a plot to the sheet's sans face.
func sansPlot(p *plot.Plot) {
	p.Title.TextStyle = textStyle(11, rgb(colText), draw.XCenter, draw.YTop)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = textStyle(9, nil, 0, 0).Font
		a.Tick.Label.Font = textStyle(8, nil, 0, 0).Font
	}
	p.Legend.TextStyle.Font = textStyle(8, nil, 0, 0).Font
}
