package fbx

import (
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
)

// Channels of a Model that curve nodes animate.
const (
	chanT = iota
	chanR
	chanS
)

// channelOf maps a Model property (FBX 7) or Transform sub-channel (FBX 6) to its channel.
func channelOf(prop string) int {
	switch prop {
	case "Lcl Translation", "T":
		return chanT
	case "Lcl Rotation", "R":
		return chanR
	case "Lcl Scaling", "S":
		return chanS
	}
	return -1
}

func axisOf(prop string) int {
	switch prop {
	case "d|X", "X":
		return 0
	case "d|Y", "Y":
		return 1
	case "d|Z", "Z":
		return 2
	}
	return -1
}

// layerChannel is one layer's contribution to one channel of one joint.
type layerChannel struct {
	base    bool       // the stack's first layer replaces the value; later ones blend
	over    bool       // override blending (else additive)
	weight  float64    // 0..1
	wcurve  *animCurve // animates the layer's Weight (percent), or nil
	wcursor curveCursor
	curves  [3]*animCurve
	cursors [3]curveCursor
	defs    [3]float64
}

// jointTrack is everything that animates one joint.
type jointTrack struct {
	joint    int
	ch       [3][]layerChannel
	isStatic bool
}

type curveNodeInfo struct {
	model  int64
	ch     int
	curves [3]int64
}

// stackData is one AnimationStack and what reaches joints through it.
type stackData struct {
	obj        *fbxObject
	layers     []*fbxObject
	curveNodes [][]int64 // per layer
	curves     int
	start      int64
	stop       int64
}

// animation picks the stack with the most curves on joints and samples it.
func (s *scene) animation(b *skelBuild, g globalSettings, lim Limits) (*anim.Clip, []anim.StackInfo, error) {
	var stacks []*stackData
	stackByID := map[int64]*stackData{}
	layerByID := map[int64]*fbxObject{}
	curves := map[int64]*fbxObject{}
	cnodes := map[int64]*fbxObject{}
	for _, o := range s.list {
		switch o.class {
		case "AnimationStack":
			sd := &stackData{obj: o}
			stacks = append(stacks, sd)
			stackByID[o.id] = sd
		case "AnimationLayer":
			layerByID[o.id] = o
		case "AnimationCurve":
			curves[o.id] = o
		case "AnimationCurveNode":
			cnodes[o.id] = o
		}
	}
	if len(stacks) == 0 {
		return nil, nil, nil
	}
	cn := make(map[int64]*curveNodeInfo, len(cnodes))
	layerNodes := map[int64][]int64{}
	weightNode := map[int64]int64{}  // layer -> curve node animating its Weight
	weightCurve := map[int64]int64{} // that curve node -> its curve
	type link struct{ child, parent int64 }
	seen := map[link]bool{} // repeated connections count once
	for _, c := range s.conns {
		switch {
		case !c.op && layerByID[c.child] != nil && stackByID[c.parent] != nil:
			if k := (link{c.child, c.parent}); !seen[k] {
				seen[k] = true
				sd := stackByID[c.parent]
				sd.layers = append(sd.layers, layerByID[c.child])
			}
		case !c.op && cnodes[c.child] != nil && layerByID[c.parent] != nil:
			if k := (link{c.child, c.parent}); !seen[k] {
				seen[k] = true
				layerNodes[c.parent] = append(layerNodes[c.parent], c.child)
			}
		case c.op && cnodes[c.child] != nil && layerByID[c.parent] != nil && c.prop == "Weight":
			if _, ok := weightNode[c.parent]; !ok {
				weightNode[c.parent] = c.child
			}
		case c.op && cnodes[c.child] != nil:
			if _, isJoint := b.index[c.parent]; !isJoint {
				continue
			}
			ch := channelOf(c.prop)
			if ch < 0 {
				continue
			}
			info := cn[c.child]
			if info == nil {
				info = &curveNodeInfo{model: c.parent, ch: ch}
				cn[c.child] = info
			}
		}
	}
	// Curves attach to curve nodes in a second pass: the curve node's target must be known.
	for _, c := range s.conns {
		if !c.op || curves[c.child] == nil {
			continue
		}
		info := cn[c.parent]
		if info == nil {
			if c.prop == "d|Weight" && cnodes[c.parent] != nil {
				if _, ok := weightCurve[c.parent]; !ok {
					weightCurve[c.parent] = c.child
				}
			}
			continue
		}
		if ax := axisOf(c.prop); ax >= 0 && info.curves[ax] == 0 {
			info.curves[ax] = c.child
		}
	}

	parsed := map[int64]*animCurve{}
	curveOf := func(id int64) *animCurve {
		if id == 0 {
			return nil
		}
		if c, ok := parsed[id]; ok {
			return c
		}
		c := newAnimCurve(curves[id].node)
		parsed[id] = c
		return c
	}

	// Per-layer totals, computed once however many stacks share a layer.
	type layerStat struct {
		curves     int
		minT, maxT int64
	}
	stats := map[int64]*layerStat{}
	statOf := func(l *fbxObject) *layerStat {
		if st, ok := stats[l.id]; ok {
			return st
		}
		st := &layerStat{minT: math.MaxInt64, maxT: math.MinInt64}
		for _, id := range layerNodes[l.id] {
			info := cn[id]
			if info == nil {
				continue
			}
			for _, cid := range info.curves {
				c := curveOf(cid)
				if c == nil || c.keys() == 0 {
					continue
				}
				st.curves++
				st.minT = min(st.minT, c.times[0])
				st.maxT = max(st.maxT, c.times[c.keys()-1])
			}
		}
		stats[l.id] = st
		return st
	}

	infos := make([]anim.StackInfo, len(stacks))
	best := -1
	for i, sd := range stacks {
		minT, maxT := int64(math.MaxInt64), int64(math.MinInt64)
		for _, l := range sd.layers {
			sd.curveNodes = append(sd.curveNodes, layerNodes[l.id])
			st := statOf(l)
			sd.curves += st.curves
			minT, maxT = min(minT, st.minT), max(maxT, st.maxT)
		}
		sd.start = s.propInt(sd.obj, "LocalStart", 0)
		sd.stop = s.propInt(sd.obj, "LocalStop", 0)
		if sd.stop <= sd.start {
			if sd.curves > 0 {
				sd.start, sd.stop = minT, maxT
			} else {
				sd.start, sd.stop = 0, 0
			}
		}
		infos[i] = anim.StackInfo{
			Name:     sd.obj.name,
			Duration: float64(sd.stop-sd.start) / KTimeSecond,
			Curves:   sd.curves,
		}
		if sd.curves > 0 && (best < 0 || sd.curves > stacks[best].curves) {
			best = i
		}
	}
	if best < 0 {
		return nil, infos, nil
	}
	infos[best].Used = true
	sd := stacks[best]

	// Gather each joint's channels across the stack's layers.
	tracks := make([]jointTrack, 0, len(b.models))
	channels := 0
	trackOf := make(map[int]int, len(b.models))
	for li, l := range sd.layers {
		if s.propInt(l, "Mute", 0) != 0 {
			continue
		}
		w := s.propFloat(l, "Weight", 100) / 100
		var wc *animCurve
		if wn, ok := weightNode[l.id]; ok {
			wc = curveOf(weightCurve[wn])
			if wc != nil && wc.keys() == 0 {
				wc = nil
			}
		}
		over := s.propInt(l, "BlendMode", 0) != 0
		for _, id := range sd.curveNodes[li] {
			info := cn[id]
			if info == nil {
				continue
			}
			j := b.index[info.model]
			k, ok := trackOf[j]
			if !ok {
				k = len(tracks)
				trackOf[j] = k
				tracks = append(tracks, jointTrack{joint: j})
			}
			lc := layerChannel{base: li == 0, over: over, weight: w, wcurve: wc}
			if wc != nil {
				wc.reset(&lc.wcursor)
			}
			x := &b.xf[j]
			rest := [3]anim.Vec3{x.t, x.r, x.s}[info.ch]
			node := cnodes[id]
			for ax := range 3 {
				lc.defs[ax] = s.propFloat(node, [3]string{"d|X", "d|Y", "d|Z"}[ax], rest[ax])
				if c := curveOf(info.curves[ax]); c != nil && c.keys() > 0 {
					lc.curves[ax] = c
					c.reset(&lc.cursors[ax])
				}
			}
			tracks[k].ch[info.ch] = append(tracks[k].ch[info.ch], lc)
			channels++
		}
	}

	clip, err := sampleClip(b, g.fps, lim, sd.obj.name, sd.start, sd.stop, tracks, channels)
	if err != nil {
		return nil, nil, err
	}
	return clip, infos, nil
}

// sampleClip samples tracks on the uniform grid of fps from start to stop (KTime).
func sampleClip(b *skelBuild, fps float64, lim Limits, name string, start, stop int64, tracks []jointTrack, channels int) (*anim.Clip, error) {
	span := float64(stop-start) / KTimeSecond
	framesF := math.Round(span*fps) + 1
	n := len(b.skel.Joints)
	// Sampling costs frames × (joints + layer channels): bound both.
	width := n
	if channels > n {
		width = channels
	}
	if !(framesF >= 1) || framesF*float64(width) > float64(lim.MaxSamples) {
		return nil, errScene(ErrLimit, "stack %q: %.0f frames of %d joints and %d animated channels, limit %d samples",
			name, framesF, n, channels, lim.MaxSamples)
	}
	frames := int(framesF)
	// Every sample is written below, once: joints without a track hold their rest pose.
	clip := &anim.Clip{
		Name: name, FPS: fps, Start: float64(start) / KTimeSecond, Frames: frames, NumJoints: n,
		Rotations:    make([]anim.Quat, frames*n),
		Translations: make([]anim.Vec3, frames*n),
		Scales:       make([]anim.Vec3, frames*n),
	}
	animated := make([]bool, n)
	moving := make([]*jointTrack, 0, len(tracks))
	for i := range tracks {
		tr := &tracks[i]
		animated[tr.joint] = true
		if !tr.static() {
			moving = append(moving, tr)
			continue
		}
		// Mixamo writes one-key curves for joints that never move: evaluate once, copy.
		fillJoint(clip, tr.joint, tr.sample(b, float64(start)))
	}
	for j := range n {
		if !animated[j] {
			fillJoint(clip, j, b.skel.Joints[j].Rest)
		}
	}

	// Tracks are independent (each has its own curve cursors and joint), so long clips sample
	// them on several goroutines, each taking a contiguous run of joints so that no two write
	// the same cache lines more than at the runs' ends.
	step := KTimeSecond / fps
	t0 := float64(start)
	workers := 1
	if frames*len(moving) >= parallelSampleMin {
		workers = min(runtime.GOMAXPROCS(0), len(moving), 4)
	}
	if workers <= 1 {
		for _, tr := range moving {
			tr.sampleInto(b, clip, t0, step)
		}
		return clip, nil
	}
	slices.SortFunc(moving, func(x, y *jointTrack) int { return x.joint - y.joint })
	var wg sync.WaitGroup
	for w := range workers {
		part := moving[w*len(moving)/workers : (w+1)*len(moving)/workers]
		wg.Go(func() {
			for _, tr := range part {
				tr.sampleInto(b, clip, t0, step)
			}
		})
	}
	wg.Wait()
	return clip, nil
}

// Below this many samples (frames × moving joints) sampling stays on one goroutine.
const parallelSampleMin = 8192

// fillJoint writes one transform to every frame of joint j.
func fillJoint(c *anim.Clip, j int, lt anim.Transform) {
	for at := j; at < len(c.Rotations); at += c.NumJoints {
		c.Rotations[at], c.Translations[at], c.Scales[at] = lt.R, lt.T, lt.S
	}
}

// sampleInto samples the track at every frame of c, starting at t0 ticks, step ticks apart.
// Euler angles give either of q and -q; each rotation is kept on the previous frame's
// hemisphere so that consumers interpolating components linearly never swing the long way.
func (tr *jointTrack) sampleInto(b *skelBuild, c *anim.Clip, t0, step float64) {
	n := c.NumJoints
	x := &b.xf[tr.joint]
	// Joints without pivots, offsets or folded parents (every Mixamo joint) skip the matrix
	// algebra of localAt; the values are the ones it would compute.
	direct := x.simple && b.fold[tr.joint] == nil
	var prev anim.Quat
	for f := range c.Frames {
		t := t0 + float64(f)*step
		var lt anim.Transform
		if direct {
			v := tr.values(x, t)
			lt = anim.Transform{T: v[chanT].Scale(x.unit), R: x.rotation(v[chanR]), S: v[chanS]}
		} else {
			lt = tr.sample(b, t)
		}
		if f > 0 && lt.R.Dot(prev) < 0 {
			lt.R = lt.R.Neg()
		}
		prev = lt.R
		at := f*n + tr.joint
		c.Rotations[at], c.Translations[at], c.Scales[at] = lt.R, lt.T, lt.S
	}
}

// static reports (and remembers) whether every curve on the track holds one value.
func (tr *jointTrack) static() bool {
	tr.isStatic = true
	for c := range tr.ch {
		for li := range tr.ch[c] {
			if wc := tr.ch[c][li].wcurve; wc != nil && !wc.constant() {
				tr.isStatic = false
				return false
			}
			for _, cv := range tr.ch[c][li].curves {
				if cv != nil && !cv.constant() {
					tr.isStatic = false
					return false
				}
			}
		}
	}
	return true
}

// sample evaluates the track's joint at time t (ticks), combining its layers.
func (tr *jointTrack) sample(b *skelBuild, t float64) anim.Transform {
	v := tr.values(&b.xf[tr.joint], t)
	return b.localAt(tr.joint, v[chanT], v[chanR], v[chanS])
}

// values evaluates the track's Lcl Translation, Rotation and Scaling at time t (ticks).
func (tr *jointTrack) values(x *nodeXform, t float64) [3]anim.Vec3 {
	v := [3]anim.Vec3{x.t, x.r, x.s}
	for c := range 3 {
		for li := range tr.ch[c] {
			lc := &tr.ch[c][li]
			if lc.base {
				// The base layer replaces the value, whatever its weight: evaluate in place.
				for ax := range 3 {
					if cv := lc.curves[ax]; cv != nil {
						v[c][ax] = cv.eval(t, &lc.cursors[ax])
					} else {
						v[c][ax] = lc.defs[ax]
					}
				}
				continue
			}
			var lv anim.Vec3
			for ax := range 3 {
				if cv := lc.curves[ax]; cv != nil {
					lv[ax] = cv.eval(t, &lc.cursors[ax])
				} else {
					lv[ax] = lc.defs[ax]
				}
			}
			if lc.wcurve != nil {
				lc.weight = lc.wcurve.eval(t, &lc.wcursor) / 100
			}
			v[c] = blend(v[c], lv, lc, c)
		}
	}
	return v
}

// blend applies one layer's value for a channel: the base layer replaces, override layers
// interpolate towards their value by the layer weight, additive layers add it (scales multiply).
func blend(cur, lv anim.Vec3, lc *layerChannel, ch int) anim.Vec3 {
	switch {
	case lc.base:
		return lv
	case lc.over:
		return cur.Lerp(lv, lc.weight)
	case ch == chanS:
		return cur.Mul(anim.Vec3{1, 1, 1}.Lerp(lv, lc.weight))
	}
	return cur.Add(lv.Scale(lc.weight))
}
