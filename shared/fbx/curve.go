package fbx

import "math"

// KTimeSecond is the number of FBX time ticks (KTime) in one second.
const KTimeSecond = 46186158000

// Key attribute flags (FbxAnimCurveDef).
const (
	keyConstant         = 0x00000002
	keyLinear           = 0x00000004
	keyCubic            = 0x00000008
	keyConstantNext     = 0x00000100 // with keyConstant: hold the next key's value
	keyClamp            = 0x00001000
	keyWeightedRight    = 0x01000000
	keyWeightedNextLeft = 0x02000000
)

// animCurve is one AnimationCurve: keys at KTime times with float values, and run-length coded
// key attributes (interpolation flags and tangent data shared by consecutive keys).
type animCurve struct {
	times  []int64
	values []float32
	flags  []int32   // per attribute
	data   []float32 // four per attribute: right slope, next left slope, weights or bias, velocity
	refs   []int32   // keys covered by each attribute
	def    float64
	// pre and post say what the curve does before its first key and after its last.
	pre, post extrapolation

	constKnown uint8 // 0 unknown, 1 constant, 2 varying
}

// extrapolation is a curve's Pre-Extrapolation or Post-Extrapolation: a mode (the FBX SDK's
// one-letter code) and how many times a repeating mode repeats (negative: for ever).
type extrapolation struct {
	mode   byte
	repeat int64
}

// Extrapolation modes, as files spell them.
const (
	extConstant       = 'C' // hold the end key's value
	extRepeat         = 'R' // cycle
	extMirror         = 'M' // oscillate: forwards, then backwards
	extKeepSlope      = 'K' // continue along the end tangent
	extRepeatRelative = 'A' // cycle, each cycle offset by the curve's change over one
)

func readExtrapolation(n *Node) extrapolation {
	e := extrapolation{mode: extConstant, repeat: -1}
	if n == nil {
		return e
	}
	if t := n.Child("Type"); t != nil && len(t.Props) > 0 {
		code := byte(t.Props[0].Int)
		if p := t.Props[0]; p.Type == 'S' && p.String != "" {
			code = p.String[0]
		}
		switch code {
		case extRepeat, extMirror, extKeepSlope, extRepeatRelative:
			e.mode = code
		}
	}
	if r, ok := childNumber(n, "Repetition"); ok && r >= 0 {
		e.repeat = int64(min(r, math.MaxInt32))
	}
	return e
}

// newAnimCurve reads an AnimationCurve record; arrays of mismatched length are cut to agree.
func newAnimCurve(n *Node) *animCurve {
	c := &animCurve{}
	if v, ok := childNumber(n, "Default"); ok {
		c.def = v
	}
	for _, ch := range n.Children {
		if len(ch.Props) == 0 {
			continue
		}
		p := &ch.Props[0]
		switch ch.Name {
		case "KeyTime":
			c.times = p.I64s
		case "KeyValueFloat":
			c.values = p.F32s
			if p.Type == 'd' { // some writers store doubles
				c.values = make([]float32, len(p.F64s))
				for i, v := range p.F64s {
					c.values[i] = float32(v)
				}
			}
		case "KeyAttrFlags":
			c.flags = p.I32s
		case "KeyAttrDataFloat":
			c.data = p.F32s
		case "KeyAttrRefCount":
			c.refs = p.I32s
		}
	}
	c.pre, c.post = readExtrapolation(n.Child("Pre-Extrapolation")), readExtrapolation(n.Child("Post-Extrapolation"))
	n0 := min(len(c.times), len(c.values))
	c.times, c.values = c.times[:n0], c.values[:n0]
	na := min(len(c.flags), len(c.refs))
	c.flags, c.refs = c.flags[:na], c.refs[:na]
	return c
}

func (c *animCurve) keys() int { return len(c.times) }

// constant reports whether every key holds the same value, so the curve never changes.
// The answer is kept: one curve may drive many channels.
func (c *animCurve) constant() bool {
	if c.constKnown == 0 {
		c.constKnown = 1
		for _, v := range c.values {
			if v != c.values[0] {
				c.constKnown = 2
				break
			}
		}
	}
	return c.constKnown == 1
}

// curveCursor remembers where the last evaluation was, so evaluating at increasing times costs
// O(1) amortised per sample instead of a search.
type curveCursor struct {
	k      int // segment start key: times[k] <= t < times[k+1]
	attr   int // attribute index of key k
	runEnd int // first key after attr's run
}

func (c *animCurve) reset(cur *curveCursor) {
	*cur = curveCursor{}
	if len(c.refs) > 0 {
		cur.runEnd = int(c.refs[0])
	}
}

// eval returns the curve's value at time t (ticks). Before the first key and after the last
// it extrapolates as the curve says (held constant unless it says otherwise).
func (c *animCurve) eval(t float64, cur *curveCursor) float64 {
	n := len(c.times)
	if n == 0 {
		return c.def
	}
	if t < float64(c.times[0]) {
		return c.extrapolate(t, true, cur)
	}
	if t > float64(c.times[n-1]) {
		return c.extrapolate(t, false, cur)
	}
	return c.within(t, cur)
}

// extrapolate evaluates the curve outside its keys, before the first (pre) or after the last,
// as the FBX SDK does: a cycle of the keyed span (mirrored every other time, or offset by the
// span's change each time), for at most repeat cycles and then held; or the end tangent.
func (c *animCurve) extrapolate(t float64, pre bool, cur *curveCursor) float64 {
	n := len(c.times)
	t0, t1 := float64(c.times[0]), float64(c.times[n-1])
	e, end := c.post, float64(c.values[n-1])
	if pre {
		e, end = c.pre, float64(c.values[0])
	}
	span := t1 - t0
	switch {
	case e.mode == extConstant || !(span >= 1):
		return end
	case e.mode == extKeepSlope:
		// The tangent at the end, measured over a millisecond (or the span) inside it.
		h := math.Min(span, KTimeSecond/1000)
		var slope float64
		if pre {
			slope = (c.within(t0+h, cur) - end) / h
			return end + slope*(t-t0)
		}
		slope = (end - c.within(t1-h, cur)) / h
		return end + slope*(t-t1)
	case e.repeat == 0:
		return end
	}
	delta := t - t1
	if pre {
		delta = t0 - t
	}
	cycle := math.Floor(delta / span)
	into := delta - cycle*span
	if e.repeat > 0 && cycle >= float64(e.repeat) {
		cycle, into = float64(e.repeat-1), span // held where the last cycle ends
	}
	if e.mode == extMirror && math.Mod(cycle, 2) == 0 {
		into = span - into // the first cycle out runs backwards
	}
	if pre {
		into = span - into
	}
	v := c.within(t0+into, cur)
	if e.mode == extRepeatRelative {
		change := float64(c.values[n-1]) - float64(c.values[0])
		if pre {
			change = -change
		}
		v += change * (cycle + 1)
	}
	return v
}

// within evaluates the curve at t between its first and last keys.
func (c *animCurve) within(t float64, cur *curveCursor) float64 {
	n := len(c.times)
	if t <= float64(c.times[0]) {
		return float64(c.values[0])
	}
	if t >= float64(c.times[n-1]) {
		return float64(c.values[n-1])
	}
	if cur.k >= n || t < float64(c.times[cur.k]) {
		c.reset(cur)
	}
	for cur.k+1 < n && float64(c.times[cur.k+1]) <= t {
		cur.k++
		for cur.k >= cur.runEnd && cur.attr+1 < len(c.refs) {
			cur.attr++
			cur.runEnd += int(c.refs[cur.attr])
		}
	}
	k := cur.k
	if k+1 >= n {
		return float64(c.values[n-1])
	}
	t0, t1 := float64(c.times[k]), float64(c.times[k+1])
	v0, v1 := float64(c.values[k]), float64(c.values[k+1])
	if !(t1 > t0) || t == t0 {
		return v0 // on a key its own value, whatever its interpolation
	}
	u := (t - t0) / (t1 - t0)
	flags := int32(keyLinear) // a curve without attributes interpolates linearly
	var attr []float32
	if cur.attr < len(c.flags) {
		flags = c.flags[cur.attr]
		if a := cur.attr * 4; a+4 <= len(c.data) {
			attr = c.data[a : a+4]
		}
	}
	switch {
	case flags&keyConstant != 0:
		if flags&keyConstantNext != 0 {
			return v1
		}
		return v0
	case flags&keyCubic != 0:
		return c.cubic(k, flags, attr, u, t0, t1, v0, v1)
	}
	return v0 + (v1-v0)*u
}

// cubic evaluates the segment from key k to k+1 as FBX does: a Bézier in (time, value) whose
// control points lie along the key's right tangent and the next key's left tangent, a third of
// the way in unless the key is weighted.
func (c *animCurve) cubic(k int, flags int32, attr []float32, u, t0, t1, v0, v1 float64) float64 {
	dt := (t1 - t0) / KTimeSecond
	var m0, m1 float64 // value per second leaving key k and arriving at key k+1
	if attr != nil {
		// Exporters store the slopes they evaluated, auto tangents included (Maya writes the
		// solved slopes, Mixamo zeros shared by every key), and the stored value is what
		// other readers play back.
		m0, m1 = float64(attr[0]), float64(attr[1])
	} else {
		m0, m1 = c.autoSlope(k, flags), c.autoSlope(k+1, flags)
	}
	w0, w1 := 1.0/3, 1.0/3
	if attr != nil && flags&(keyWeightedRight|keyWeightedNextLeft) != 0 {
		bits := math.Float32bits(attr[2])
		if flags&keyWeightedRight != 0 {
			w0 = float64(bits&0xffff) / 10000
		}
		if flags&keyWeightedNextLeft != 0 {
			w1 = float64(bits>>16) / 10000
		}
	}
	p1 := v0 + m0*dt*w0
	p2 := v1 - m1*dt*w1
	if math.Abs(w0-1.0/3) < 1e-4 && math.Abs(w1-1.0/3) < 1e-4 {
		// Unweighted: time is linear in the curve parameter, so the Bézier is a Hermite.
		return bezier(v0, p1, p2, v1, u)
	}
	// Weighted: solve x(s) = u for the curve parameter by bisection (x is monotonic when
	// the weights lie in [0, 1]), then evaluate the value.
	x1, x2 := clamp01(w0), 1-clamp01(w1)
	lo, hi := 0.0, 1.0
	s := u
	for range 40 {
		x := bezier(0, x1, x2, 1, s)
		if math.Abs(x-u) < 1e-9 {
			break
		}
		if x < u {
			lo = s
		} else {
			hi = s
		}
		s = (lo + hi) / 2
	}
	return bezier(v0, p1, p2, v1, s)
}

// autoSlope stands in for tangent data a curve lacks: the slope between key k's neighbours
// (a cardinal spline), zero at either end of the curve or when clamping keeps an extreme key
// from overshooting.
func (c *animCurve) autoSlope(k int, flags int32) float64 {
	n := len(c.times)
	if k <= 0 || k >= n-1 {
		return 0
	}
	tp, tn := float64(c.times[k-1]), float64(c.times[k+1])
	if !(tn > tp) {
		return 0
	}
	vp, v, vn := float64(c.values[k-1]), float64(c.values[k]), float64(c.values[k+1])
	if flags&keyClamp != 0 && (math.Abs(v-vp) < 1e-6 || math.Abs(v-vn) < 1e-6) {
		return 0
	}
	return (vn - vp) / ((tn - tp) / KTimeSecond)
}

func bezier(p0, p1, p2, p3, s float64) float64 {
	r := 1 - s
	return r*r*r*p0 + 3*r*r*s*p1 + 3*r*s*s*p2 + s*s*s*p3
}

func clamp01(x float64) float64 {
	if !(x > 0) {
		return 0
	}
	if x > 1 {
		return 1
	}
	return x
}
