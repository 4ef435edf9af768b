package bvh

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
)

// WriteOptions controls Encode.
type WriteOptions struct {
	// Order is the Euler order of every joint's rotation channels, in application order (as in
	// anim.RotationOrder). The zero value, XYZ, lists "Zrotation Yrotation Xrotation", as
	// Mixamo's BVH exports do.
	Order anim.RotationOrder
	// Decimals is the digits written after the decimal point of offsets and channel values.
	// 0 means 6, which keeps rotations within 1e-7 rad and translations within 1e-6 cm.
	Decimals int
}

// Encode writes the skeleton and a's first clip as BVH (with no clip, a hierarchy and "Frames: 0").
//
// Every joint becomes a ROOT or JOINT whose OFFSET is its rest translation; BVH's rest rotations
// are identity, so a joint's rest rotation is folded into its channels, which hold the clip's full
// local rotation as Euler angles, unwrapped from frame to frame so no channel jumps by 360°.
// Roots get position channels, and so does any other joint whose translation leaves its rest
// offset in some frame. A leaf joint gets the End Site its source BVH had (see Origin), else one
// half its own offset long in the same direction. A Skeleton.Base other than identity is baked in:
// its rotation and translation into the roots' channels and its scale, which must be uniform,
// into every offset and translation. BVH has no scale channels, so the clip's scales are not
// written, nor its start time. Joint names lose their whitespace to "_".
func Encode(w io.Writer, a *anim.Animation, opt WriteOptions) error {
	e, err := newEncoder(a, opt)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	e.bw = bw
	if err := e.hierarchy(); err != nil {
		return err
	}
	if err := e.motion(); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("bvh: writing: %w", err)
	}
	return nil
}

type encoder struct {
	bw    *bufio.Writer
	s     *anim.Skeleton
	c     *anim.Clip // nil for a skeleton alone
	order anim.RotationOrder
	axes  [3]int // rotation axes in application order
	dec   int

	baked bool // whether Base is applied to the roots
	baseR anim.Quat
	baseT anim.Vec3
	scale float64

	children [][]int
	hasPos   []bool
	endSites map[string]anim.Vec3
	buf      []byte
}

func newEncoder(a *anim.Animation, opt WriteOptions) (*encoder, error) {
	if a == nil || a.Skeleton == nil {
		return nil, errAt(0, ErrUnwritable, "none", "an animation with a skeleton")
	}
	s := a.Skeleton
	if err := s.Validate(); err != nil {
		return nil, errAt(0, ErrUnwritable, err.Error(), "a valid skeleton")
	}
	c := a.Clip()
	if c != nil {
		if err := c.Validate(s); err != nil {
			return nil, errAt(0, ErrUnwritable, err.Error(), "a valid clip")
		}
	}
	if opt.Order > anim.OrderZYX {
		return nil, errAt(0, ErrUnwritable, fmt.Sprintf("rotation order %d", opt.Order), "a rotation order from 0 to %d", anim.OrderZYX)
	}
	dec := opt.Decimals
	if dec == 0 {
		dec = 6
	}
	if dec < 1 || dec > 15 {
		return nil, errAt(0, ErrUnwritable, fmt.Sprintf("%d decimals", opt.Decimals), "1 to 15 decimals")
	}
	e := &encoder{s: s, c: c, order: opt.Order, axes: orderAxes(opt.Order), dec: dec,
		baseR: anim.QuatIdentity, scale: 1, children: s.Children()}
	if err := e.setBase(s.Base); err != nil {
		return nil, err
	}
	if o, ok := s.Origin.(*Origin); ok && o != nil {
		e.endSites = o.EndSites
	}
	e.positions()
	return e, nil
}

// orderAxes returns the axis indices of an order in application order, read from its name.
func orderAxes(o anim.RotationOrder) [3]int {
	n := o.String()
	return [3]int{int(n[0] - 'X'), int(n[1] - 'X'), int(n[2] - 'X')}
}

func (e *encoder) setBase(b anim.Transform) error {
	const eps = 1e-12
	sx, sy, sz := b.S[0], b.S[1], b.S[2]
	if !(sx > 0) || math.Abs(sy-sx) > 1e-9*sx || math.Abs(sz-sx) > 1e-9*sx {
		return errAt(0, ErrUnwritable, fmt.Sprintf("%v", b.S), "a uniform positive skeleton base scale")
	}
	r := b.R.Normalize()
	ident := b.T.Len() <= eps && r.Angle(anim.QuatIdentity) <= eps && math.Abs(sx-1) <= eps
	if ident {
		return nil
	}
	e.baked, e.baseR, e.baseT, e.scale = true, r, b.T, sx
	return nil
}

// offset returns joint j's OFFSET: its rest translation with the base baked in.
func (e *encoder) offset(j int) anim.Vec3 {
	t := e.s.Joints[j].Rest.T.Scale(e.scale)
	if e.baked && e.s.Joints[j].Parent < 0 {
		t = e.baseT.Add(e.baseR.Rotate(t))
	}
	return t
}

// local returns joint j's channel rotation and translation at frame f, with the base baked in.
func (e *encoder) local(f, j int) (anim.Quat, anim.Vec3) {
	i := f*e.c.NumJoints + j
	q, t := e.c.Rotations[i], e.c.Translations[i].Scale(e.scale)
	if e.baked && e.s.Joints[j].Parent < 0 {
		q, t = e.baseR.Mul(q), e.baseT.Add(e.baseR.Rotate(t))
	}
	return q, t
}

// positions decides which joints get position channels: roots, and joints whose translation
// differs from the offset by more than the written precision resolves.
func (e *encoder) positions() {
	n := len(e.s.Joints)
	e.hasPos = make([]bool, n)
	tol := 0.5 / math.Pow(10, float64(e.dec))
	for j := 0; j < n; j++ {
		if e.s.Joints[j].Parent < 0 {
			e.hasPos[j] = true
			continue
		}
		if e.c == nil {
			continue
		}
		off := e.offset(j)
		for f := 0; f < e.c.Frames && !e.hasPos[j]; f++ {
			_, t := e.local(f, j)
			d := t.Sub(off)
			e.hasPos[j] = math.Abs(d[0]) > tol || math.Abs(d[1]) > tol || math.Abs(d[2]) > tol
		}
	}
}

func (e *encoder) hierarchy() error {
	e.buf = append(e.buf[:0], "HIERARCHY\n"...)
	for j := range e.s.Joints {
		if e.s.Joints[j].Parent < 0 {
			e.joint(j, 0)
		}
	}
	e.buf = append(e.buf, "MOTION\nFrames: "...)
	frames, fps := 0, 30.0
	if e.c != nil {
		frames, fps = e.c.Frames, e.c.FPS
	}
	e.buf = strconv.AppendInt(e.buf, int64(frames), 10)
	e.buf = append(e.buf, "\nFrame Time: "...)
	e.buf = strconv.AppendFloat(e.buf, 1/fps, 'g', 10, 64)
	e.buf = append(e.buf, '\n')
	if _, err := e.bw.Write(e.buf); err != nil {
		return fmt.Errorf("bvh: writing: %w", err)
	}
	return nil
}

// joint appends joint j's block, its descendants in index order, to e.buf.
func (e *encoder) joint(j, depth int) {
	ind := strings.Repeat("\t", depth)
	kw := "JOINT "
	if e.s.Joints[j].Parent < 0 {
		kw = "ROOT "
	}
	e.buf = append(e.buf, ind...)
	e.buf = append(e.buf, kw...)
	e.buf = append(e.buf, writtenName(e.s.Joints[j].Name, j)...)
	e.buf = append(e.buf, '\n')
	e.buf = append(e.buf, ind...)
	e.buf = append(e.buf, "{\n"...)
	e.buf = append(e.buf, ind...)
	e.buf = append(e.buf, "\tOFFSET"...)
	e.buf = e.vec(e.buf, e.offset(j))
	e.buf = append(e.buf, '\n')
	e.buf = append(e.buf, ind...)
	if e.hasPos[j] {
		e.buf = append(e.buf, "\tCHANNELS 6 Xposition Yposition Zposition"...)
	} else {
		e.buf = append(e.buf, "\tCHANNELS 3"...)
	}
	for k := 2; k >= 0; k-- {
		e.buf = append(e.buf, ' ')
		e.buf = append(e.buf, channelNames[rotBase+e.axes[k]]...)
	}
	e.buf = append(e.buf, '\n')
	for _, ch := range e.children[j] {
		e.joint(ch, depth+1)
	}
	if len(e.children[j]) == 0 {
		site, ok := e.endSites[e.s.Joints[j].Name]
		switch {
		case ok:
			site = site.Scale(e.scale)
		case e.s.Joints[j].Parent >= 0:
			site = e.offset(j).Scale(0.5)
		}
		e.buf = append(e.buf, ind...)
		e.buf = append(e.buf, "\tEnd Site\n"...)
		e.buf = append(e.buf, ind...)
		e.buf = append(e.buf, "\t{\n"...)
		e.buf = append(e.buf, ind...)
		e.buf = append(e.buf, "\t\tOFFSET"...)
		e.buf = e.vec(e.buf, site)
		e.buf = append(e.buf, '\n')
		e.buf = append(e.buf, ind...)
		e.buf = append(e.buf, "\t}\n"...)
	}
	e.buf = append(e.buf, ind...)
	e.buf = append(e.buf, "}\n"...)
}

// writtenName makes a name one BVH field: whitespace becomes "_", as Decode joins split names.
func writtenName(name string, j int) string {
	if name == "" {
		return fmt.Sprintf("joint%d", j)
	}
	if name == "{" || name == "}" {
		return "_" + name
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return '_'
		}
		return r
	}, name)
}

func (e *encoder) vec(b []byte, v anim.Vec3) []byte {
	for _, x := range v {
		b = append(b, ' ')
		b = appendNum(b, x, e.dec)
	}
	return b
}

// appendNum writes v with dec decimals, without trailing zeros or a negative zero.
func appendNum(b []byte, v float64, dec int) []byte {
	// Most values fit an int64 once scaled: print its digits directly, far faster than strconv.
	if s := v * pow10[dec]; math.Abs(s) < 1<<53 {
		return appendFixed(b, int64(math.Round(s)), dec)
	}
	start := len(b)
	b = strconv.AppendFloat(b, v, 'f', dec, 64)
	if bytes.IndexByte(b[start:], '.') >= 0 {
		for b[len(b)-1] == '0' {
			b = b[:len(b)-1]
		}
		if b[len(b)-1] == '.' {
			b = b[:len(b)-1]
		}
	}
	if string(b[start:]) == "-0" {
		b = append(b[:start], '0')
	}
	return b
}

// appendFixed writes n / 10^dec in decimal, without trailing zeros.
func appendFixed(b []byte, n int64, dec int) []byte {
	if n < 0 {
		b = append(b, '-')
		n = -n
	}
	var digits [24]byte
	i := len(digits)
	for n > 0 || i > len(digits)-dec-1 {
		i--
		digits[i] = byte('0' + n%10)
		n /= 10
	}
	intEnd := len(digits) - dec
	frac := digits[intEnd:]
	for len(frac) > 0 && frac[len(frac)-1] == '0' {
		frac = frac[:len(frac)-1]
	}
	b = append(b, digits[i:intEnd]...)
	if len(frac) > 0 {
		b = append(b, '.')
		b = append(b, frac...)
	}
	return b
}

func (e *encoder) motion() error {
	if e.c == nil {
		return nil
	}
	n := e.c.NumJoints
	order := make([]int, 0, n) // joints in written order, depth first
	var walk func(j int)
	walk = func(j int) {
		order = append(order, j)
		for _, ch := range e.children[j] {
			walk(ch)
		}
	}
	for j := range e.s.Joints {
		if e.s.Joints[j].Parent < 0 {
			walk(j)
		}
	}
	prev := make([]anim.Vec3, n)
	for f := 0; f < e.c.Frames; f++ {
		b := e.buf[:0]
		for _, j := range order {
			q, t := e.local(f, j)
			if e.hasPos[j] {
				b = e.vec(b, t)
			}
			ang := anim.QuatToEuler(q, e.order)
			if f > 0 {
				ang = nearestEuler(ang, prev[j], e.axes)
			}
			prev[j] = ang
			for k := 2; k >= 0; k-- {
				b = append(b, ' ')
				b = appendNum(b, ang[e.axes[k]], e.dec)
			}
		}
		b = append(b, '\n')
		e.buf = b
		if _, err := e.bw.Write(b[1:]); err != nil { // every value follows a space
			return fmt.Errorf("bvh: writing frame %d: %w", f, err)
		}
	}
	return nil
}

// nearestEuler returns the Euler triple for the same rotation as ang that lies closest to prev:
// each angle moved by whole turns, choosing between ang and its twin (first+180°, 180°-middle,
// last+180°), which is the same rotation for any order of three distinct axes.
func nearestEuler(ang, prev anim.Vec3, axes [3]int) anim.Vec3 {
	twin := ang
	twin[axes[0]] += 180
	twin[axes[1]] = 180 - twin[axes[1]]
	twin[axes[2]] += 180
	a, b := unwrap(ang, prev), unwrap(twin, prev)
	if dist(b, prev) < dist(a, prev) {
		return b
	}
	return a
}

func unwrap(ang, prev anim.Vec3) anim.Vec3 {
	for k := range ang {
		d := ang[k] - prev[k]
		ang[k] -= 360 * math.Round(d/360)
	}
	return ang
}

func dist(a, b anim.Vec3) float64 {
	return math.Abs(a[0]-b[0]) + math.Abs(a[1]-b[1]) + math.Abs(a[2]-b[2])
}
