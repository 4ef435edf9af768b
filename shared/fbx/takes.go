package fbx

import (
	"math"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
)

// takesAnimation reads FBX 6 animation. Each Take lists, per model, a channel tree
// Transform → T/R/S → X/Y/Z whose leaves hold a Default and a Key stream; the take with the
// most curves on joints becomes the clip.
func (s *scene) takesAnimation(b *skelBuild, g globalSettings, lim Limits) (*anim.Clip, []anim.StackInfo, error) {
	tk := s.doc.Find("Takes")
	if tk == nil {
		return nil, nil, nil
	}
	type plan struct {
		name        string
		start, stop int64
		tracks      []jointTrack
		channels    int
		curves      int
	}
	var plans []plan
	var infos []anim.StackInfo
	for _, t := range tk.Children {
		if t.Name != "Take" || len(t.Props) == 0 || t.Props[0].Type != 'S' {
			continue
		}
		p := plan{name: t.Props[0].String}
		minT, maxT := int64(math.MaxInt64), int64(math.MinInt64)
		trackOf := map[int]int{}
		for _, m := range t.Children {
			if m.Name != "Model" || len(m.Props) == 0 || m.Props[0].Type != 'S' {
				continue
			}
			id, ok := s.byName[m.Props[0].String]
			if !ok {
				continue
			}
			j, ok := b.index[id]
			if !ok {
				continue
			}
			tr := namedChannel(m, "Transform")
			if tr == nil {
				continue
			}
			x := &b.xf[j]
			for _, c := range tr.Children {
				if c.Name != "Channel" || len(c.Props) == 0 || c.Props[0].Type != 'S' {
					continue
				}
				ci := channelOf(c.Props[0].String)
				if ci < 0 {
					continue
				}
				rest := [3]anim.Vec3{x.t, x.r, x.s}[ci]
				lc := layerChannel{base: true, weight: 1, defs: rest}
				for ax, axis := range [3]string{"X", "Y", "Z"} {
					leaf := namedChannel(c, axis)
					if leaf == nil {
						continue
					}
					if v, ok := childNumber(leaf, "Default"); ok {
						lc.defs[ax] = v
					}
					cv, err := takeCurve(leaf)
					if err != nil {
						return nil, nil, err
					}
					if cv == nil || cv.keys() == 0 {
						continue
					}
					lc.curves[ax] = cv
					cv.reset(&lc.cursors[ax])
					p.curves++
					minT, maxT = min(minT, cv.times[0]), max(maxT, cv.times[cv.keys()-1])
				}
				k, ok := trackOf[j]
				if !ok {
					k = len(p.tracks)
					trackOf[j] = k
					p.tracks = append(p.tracks, jointTrack{joint: j})
				}
				p.tracks[k].ch[ci] = append(p.tracks[k].ch[ci], lc)
				p.channels++
			}
		}
		if lt := t.Child("LocalTime"); lt != nil && len(lt.Props) >= 2 && lt.Props[0].Type == 'L' && lt.Props[1].Type == 'L' {
			p.start, p.stop = lt.Props[0].Int, lt.Props[1].Int
		}
		if p.stop <= p.start && p.curves > 0 {
			p.start, p.stop = minT, maxT
		}
		if p.stop < p.start {
			p.start, p.stop = 0, 0
		}
		plans = append(plans, p)
		infos = append(infos, anim.StackInfo{Name: p.name, Duration: float64(p.stop-p.start) / KTimeSecond, Curves: p.curves})
	}
	best := -1
	for i := range plans {
		if plans[i].curves > 0 && (best < 0 || plans[i].curves > plans[best].curves) {
			best = i
		}
	}
	if best < 0 {
		return nil, infos, nil
	}
	infos[best].Used = true
	p := &plans[best]
	clip, err := sampleClip(b, g.fps, lim, p.name, p.start, p.stop, p.tracks, p.channels)
	if err != nil {
		return nil, nil, err
	}
	return clip, infos, nil
}

// namedChannel returns the Channel child whose name property is name.
func namedChannel(n *Node, name string) *Node {
	for _, c := range n.Children {
		if c.Name == "Channel" && len(c.Props) > 0 && c.Props[0].Type == 'S' && c.Props[0].String == name {
			return c
		}
	}
	return nil
}

// takeKey is one key of an FBX 6 Key stream before tangents are resolved.
type takeKey struct {
	time          int64
	value         float64
	flags         int32
	auto          bool    // cubic with an automatic tangent
	right, nextL  float64 // explicit slopes (value per second)
	wRight, wNext float64 // tangent weights, 1/3 unless given
}

// takeCurve decodes a leaf channel's Key stream: per key a time, a value and an interpolation
// character, followed by data whose length depends on that character and on KeyVer.
func takeCurve(leaf *Node) (*animCurve, error) {
	key := leaf.Child("Key")
	if key == nil || len(key.Props) == 0 {
		return nil, nil
	}
	keyVer := 4005
	if v, ok := childNumber(leaf, "KeyVer"); ok && v > 0 {
		keyVer = int(v)
	}
	ps := key.Props
	i := 0
	bad := func(what string) error {
		return errScene(ErrMalformed, "Takes: Key stream of channel %q at value %d: %s", leaf.Props[0].String, i, what)
	}
	num := func() (float64, bool) {
		if i >= len(ps) {
			return 0, false
		}
		v, ok := number(ps[i])
		i++
		return v, ok
	}
	char := func() byte {
		v, ok := num()
		if !ok || v < 0 || v > 127 {
			return 0
		}
		return byte(v)
	}
	keys := make([]takeKey, 0, min(len(ps)/3, 1<<16))
	for i < len(ps) {
		k := takeKey{wRight: 1.0 / 3, wNext: 1.0 / 3}
		if ps[i].Type == 'L' {
			k.time = ps[i].Int
			i++
		} else {
			v, ok := num()
			if !ok || math.IsNaN(v) || math.Abs(v) > 1<<62 {
				return nil, bad("key time is not a number")
			}
			k.time = int64(v)
		}
		v, ok := num()
		if !ok {
			return nil, bad("key value missing")
		}
		k.value = v
		switch mode := char(); mode {
		case 'L':
			k.flags = keyLinear
		case 'C':
			k.flags = keyConstant
			if keyVer >= 4004 && char() == 'n' {
				k.flags |= keyConstantNext
			}
		case 'U':
			k.flags = keyCubic
			weights := 1
			switch sm := char(); sm {
			case 's', 'b':
				r, ok1 := num()
				l, ok2 := num()
				if !ok1 || !ok2 {
					return nil, bad("slopes missing")
				}
				k.right, k.nextL = r, l
				if keyVer == 4003 {
					weights = 0
				}
			case 'a':
				k.auto = true
				if keyVer <= 4004 {
					weights = 0
				}
			case 'p', 'q', 't', 'd':
				// Slope data whose meaning is unknown: skip it and use an automatic tangent.
				k.auto = true
				switch sm {
				case 'p', 'q':
					i += 2
					weights = 2
					if keyVer <= 4004 {
						weights = 1
					}
				case 't':
					i += 3
					weights = 0
				case 'd':
					i++
				}
			default:
				return nil, bad("unknown slope mode")
			}
			for range weights {
				switch wm := char(); wm {
				case 'n', 'c':
				case 'a':
					r, ok1 := num()
					l, ok2 := num()
					if !ok1 || !ok2 {
						return nil, bad("weights missing")
					}
					k.wRight, k.wNext = r, l
				case 'l':
					k.wNext, _ = num()
				case 'r':
					k.wRight, _ = num()
				default:
					return nil, bad("unknown weight mode")
				}
			}
		default:
			return nil, bad("unknown interpolation")
		}
		if i > len(ps) {
			return nil, bad("stream ends inside a key")
		}
		keys = append(keys, k)
	}
	c := takeKeysCurve(keys)
	c.pre, c.post = readExtrapolation(leaf.Child("Pre-Extrapolation")), readExtrapolation(leaf.Child("Post-Extrapolation"))
	return c, nil
}

// takeKeysCurve resolves tangents, automatic ones as FBX 6 readers do (the slope between the
// neighbours, clamped so the curve does not overshoot them, flat at the ends), and stores the
// keys as an animCurve with one attribute per key.
func takeKeysCurve(keys []takeKey) *animCurve {
	n := len(keys)
	c := &animCurve{
		times:  make([]int64, n),
		values: make([]float32, n),
		flags:  make([]int32, n),
		data:   make([]float32, 4*n),
		refs:   make([]int32, n),
	}
	autoSlope := func(k int) float64 {
		if k == 0 || k == n-1 {
			return 0
		}
		p, m, q := keys[k-1], keys[k], keys[k+1]
		tp, t, tn := float64(p.time)/KTimeSecond, float64(m.time)/KTimeSecond, float64(q.time)/KTimeSecond
		if !(tn > tp) {
			return 0
		}
		slope := (q.value - p.value) / (tn - tp)
		sign := math.Copysign(1, slope)
		limit := func(dv, w, dt float64) float64 {
			b := sign * dv / (w * dt)
			if !(b > 0) {
				return 0
			}
			return b
		}
		abs := math.Min(math.Abs(slope), math.Min(limit(m.value-p.value, p.wNext, t-tp), limit(q.value-m.value, m.wRight, tn-t)))
		return sign * abs
	}
	for k := range keys {
		m := &keys[k]
		c.times[k] = m.time
		c.values[k] = float32(m.value)
		c.refs[k] = 1
		flags := m.flags
		right, nextL := m.right, m.nextL
		if m.auto {
			right = autoSlope(k)
		}
		if k+1 < n && keys[k+1].auto {
			nextL = autoSlope(k + 1)
		}
		if m.wRight != 1.0/3 || m.wNext != 1.0/3 {
			flags |= keyWeightedRight | keyWeightedNextLeft
		}
		c.flags[k] = flags
		d := c.data[4*k : 4*k+4]
		d[0], d[1] = float32(right), float32(nextL)
		d[2] = math.Float32frombits(packWeight(m.wRight) | packWeight(m.wNext)<<16)
	}
	return c
}

// packWeight stores a tangent weight as FBX does, in ten-thousandths in 16 bits.
func packWeight(w float64) uint32 {
	v := math.Round(w * 10000)
	if !(v > 0) {
		return 0
	}
	return uint32(min(v, 0xffff))
}
