package gltf

import (
	"fmt"
	"math"
	"sort"

	gltfdoc "github.com/qmuntal/gltf"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/mixamo"
)

// animation assembles the whole result: skeleton, one clip per glTF animation, source info.
func (d *decoder) animation() (*anim.Animation, error) {
	h, err := d.hierarchy()
	if err != nil {
		return nil, err
	}
	skel, jointOf, err := d.skeleton(h)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(skel.Joints))
	for i, j := range skel.Joints {
		names[i] = j.Name
	}
	out := &anim.Animation{
		Skeleton: skel,
		Source: anim.SourceInfo{
			Format: "gltf", Version: d.doc.Asset.Version, Creator: d.doc.Asset.Generator,
			UnitScale: metresToCM, UpAxis: "Y", Prefix: mixamo.DetectPrefix(names),
		},
	}
	cache := make(map[int]keys)
	for i, a := range d.doc.Animations {
		clip, info, err := d.clip(i, a, skel, jointOf, cache)
		if err != nil {
			return nil, err
		}
		out.Source.Stacks = append(out.Source.Stacks, info)
		if clip != nil {
			out.Clips = append(out.Clips, clip)
		}
	}
	return out, nil
}

// keys is a decoded accessor.
type keys struct {
	vals  []float64
	count int
	comps int
}

// track is one channel that moves a joint.
type track struct {
	joint  int
	path   gltfdoc.TRSProperty
	interp gltfdoc.Interpolation
	times  []float64
	out    []float64 // count×comps values, or 3×count×comps for CUBICSPLINE (in-tangent, value, out-tangent)
	comps  int
}

func (d *decoder) read(i int, path string, spec accessorSpec, cache map[int]keys) (keys, error) {
	if k, ok := cache[i]; ok {
		return k, nil
	}
	v, n, c, err := d.readFloats(i, path, spec)
	if err != nil {
		return keys{}, err
	}
	k := keys{vals: v, count: n, comps: c}
	cache[i] = k
	return k, nil
}

func (d *decoder) clip(ai int, a *gltfdoc.Animation, skel *anim.Skeleton, jointOf []int, cache map[int]keys) (*anim.Clip, anim.StackInfo, error) {
	apath := fmt.Sprintf("animations[%d]", ai)
	if a == nil {
		return nil, anim.StackInfo{}, errAt(ErrReference, apath, "an animation object", "null")
	}
	name := a.Name
	if name == "" {
		name = fmt.Sprintf("animation %d", ai)
	}
	info := anim.StackInfo{Name: name}
	var tracks []track
	taken := make(map[[2]int]bool)
	for ci, c := range a.Channels {
		cpath := fmt.Sprintf("%s.channels[%d]", apath, ci)
		if c == nil {
			return nil, info, errAt(ErrReference, cpath, "a channel object", "null")
		}
		if c.Target.Node == nil || !isTRS(c.Target.Path) {
			continue // morph weights or extension targets: not skeletal motion
		}
		n := *c.Target.Node
		if n < 0 || n >= len(jointOf) {
			return nil, info, errAt(ErrReference, cpath+".target.node", fmt.Sprintf("a node index below %d", len(jointOf)), fmt.Sprint(n))
		}
		j := jointOf[n]
		if j < 0 {
			continue // moves a node outside the skeleton
		}
		key := [2]int{j, pathIndex(c.Target.Path)}
		if taken[key] {
			continue // a second channel for the same target is invalid glTF; the first one wins
		}
		taken[key] = true
		if c.Sampler < 0 || c.Sampler >= len(a.Samplers) || a.Samplers[c.Sampler] == nil {
			return nil, info, errAt(ErrReference, cpath+".sampler", fmt.Sprintf("a sampler index below %d", len(a.Samplers)), fmt.Sprint(c.Sampler))
		}
		s := a.Samplers[c.Sampler]
		spath := fmt.Sprintf("%s.samplers[%d]", apath, c.Sampler)
		t, err := d.track(s, spath, j, c.Target.Path, cache)
		if err != nil {
			return nil, info, err
		}
		tracks = append(tracks, t)
	}
	info.Curves = len(tracks)
	if len(tracks) == 0 {
		return nil, info, nil
	}
	start, end := math.Inf(1), math.Inf(-1)
	inputs := make([][]float64, 0, len(tracks))
	seen := make(map[*float64]bool)
	for _, t := range tracks {
		start = math.Min(start, t.times[0])
		end = math.Max(end, t.times[len(t.times)-1])
		if !seen[&t.times[0]] { // tracks sharing an input accessor count once
			seen[&t.times[0]] = true
			inputs = append(inputs, t.times)
		}
	}
	info.Duration = end - start
	fps := inferFPS(inputs)
	span := (end - start) * fps
	maxFrames := d.lim.MaxFrames
	if maxFrames <= 0 {
		maxFrames = math.MaxInt32
	}
	if !(span < float64(maxFrames)) {
		return nil, info, errAt(ErrLimit, apath, fmt.Sprintf("at most %d frames", maxFrames), fmt.Sprintf("%.0f frames (%.3f s at %g fps)", span+1, end-start, fps))
	}
	frames := int(math.Round(span)) + 1
	d.samples += frames * len(skel.Joints)
	if !within(int64(d.samples), int64(d.lim.MaxSamples)) {
		return nil, info, errAt(ErrLimit, apath, fmt.Sprintf("at most %d sampled joint poses in all clips", d.lim.MaxSamples), fmt.Sprint(d.samples))
	}
	clip := anim.NewClip(name, skel, fps, frames)
	clip.Start = start
	for i := range tracks {
		sampleTrack(clip, &tracks[i])
	}
	info.Used = true
	return clip, info, nil
}

func pathIndex(p gltfdoc.TRSProperty) int {
	switch p {
	case gltfdoc.TRSTranslation:
		return 0
	case gltfdoc.TRSRotation:
		return 1
	}
	return 2
}

func (d *decoder) track(s *gltfdoc.AnimationSampler, spath string, joint int, path gltfdoc.TRSProperty, cache map[int]keys) (track, error) {
	t := track{joint: joint, path: path, interp: s.Interpolation}
	if s.Interpolation > gltfdoc.InterpolationCubicSpline {
		return t, errAt(ErrValue, spath+".interpolation", "LINEAR, STEP or CUBICSPLINE", fmt.Sprint(s.Interpolation))
	}
	_, cached := cache[s.Input]
	in, err := d.read(s.Input, spath+".input", accessorSpec{types: []gltfdoc.AccessorType{gltfdoc.AccessorScalar}}, cache)
	if err != nil {
		return t, err
	}
	if !cached {
		d.keyframes += in.count
		if !within(int64(d.keyframes), int64(d.lim.MaxKeyframes)) {
			return t, errAt(ErrLimit, spath+".input", fmt.Sprintf("at most %d keyframes in the file", d.lim.MaxKeyframes), fmt.Sprint(d.keyframes))
		}
		for k := 1; k < in.count; k++ {
			if in.vals[k] < in.vals[k-1] {
				return t, errAt(ErrValue, spath+".input", "increasing key times", fmt.Sprintf("%g after %g at key %d", in.vals[k], in.vals[k-1], k))
			}
		}
	}
	spec := accessorSpec{types: []gltfdoc.AccessorType{gltfdoc.AccessorVec3}}
	if path == gltfdoc.TRSRotation {
		spec = accessorSpec{types: []gltfdoc.AccessorType{gltfdoc.AccessorVec4}, normalized: true}
	}
	out, err := d.read(s.Output, spath+".output", spec, cache)
	if err != nil {
		return t, err
	}
	want := in.count
	if s.Interpolation == gltfdoc.InterpolationCubicSpline {
		want = 3 * in.count
	}
	if out.count != want {
		return t, errAt(ErrValue, spath+".output", fmt.Sprintf("%d elements for %d keys (%v)", want, in.count, s.Interpolation), fmt.Sprint(out.count))
	}
	t.times, t.out, t.comps = in.vals, out.vals, out.comps
	return t, nil
}

// commonRates are the frame rates exporters bake at; an estimate within half a percent of one
// is snapped to it, so float32 key times do not yield rates like 29.9998.
var commonRates = [...]float64{8, 10, 12, 15, 20, 23.976, 24, 25, 29.97, 30, 48, 50, 59.94, 60, 72, 90, 96, 100, 120, 144, 240}

// inferFPS returns the rate of the most common key interval. Blender writes its scene rate,
// FBX2glTF its bake rate; constant channels of two keys are outvoted by the real curves.
func inferFPS(inputs [][]float64) float64 {
	type bucket struct {
		n   int
		sum float64
	}
	hist := make(map[int64]*bucket)
	for _, times := range inputs {
		for k := 1; k < len(times); k++ {
			dt := times[k] - times[k-1]
			if dt <= 1e-6 {
				continue
			}
			id := int64(math.Round(dt * 1e5)) // 10 µs buckets absorb float32 jitter
			b := hist[id]
			if b == nil {
				b = &bucket{}
				hist[id] = b
			}
			b.n++
			b.sum += dt
		}
	}
	if len(hist) == 0 {
		return 30 // a single pose: any rate describes it
	}
	ids := make([]int64, 0, len(hist))
	for id := range hist {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(a, b int) bool {
		if hist[ids[a]].n != hist[ids[b]].n {
			return hist[ids[a]].n > hist[ids[b]].n
		}
		return ids[a] < ids[b] // a tie goes to the finer grid
	})
	b := hist[ids[0]]
	fps := float64(b.n) / b.sum
	buckets := make([]interval, 0, len(hist))
	for _, b := range hist {
		buckets = append(buckets, interval{b.n, b.sum})
	}
	if f, ok := finestGrid(buckets); ok {
		fps = f
	}
	best, bestErr := fps, 0.005
	for _, r := range commonRates {
		if e := math.Abs(fps-r) / r; e < bestErr {
			best, bestErr = r, e
		}
	}
	return best
}

// interval is one bucket of key intervals: how many, and their summed length in seconds.
type interval struct {
	n   int
	sum float64
}

// finestGrid recognises reduced animation (keys only where a channel needs them, as
// compress.Reduce and gltf-transform's resample write it): every interval is a whole number
// of frames of one grid, the shortest interval. A slow clip may have few one-frame intervals,
// so their number does not matter; that every other interval is a multiple of one does.
// It returns that grid's rate.
func finestGrid(buckets []interval) (float64, bool) {
	finest := interval{}
	for _, b := range buckets {
		if finest.n == 0 || b.sum/float64(b.n) < finest.sum/float64(finest.n) {
			finest = b
		}
	}
	if finest.n == 0 {
		return 0, false
	}
	step := finest.sum / float64(finest.n)
	if step < 1.0/maxGridFPS {
		return 0, false
	}
	for _, b := range buckets {
		r := b.sum / float64(b.n) / step
		if math.Abs(r-math.Round(r)) > 0.01 {
			return 0, false
		}
	}
	return 1 / step, true
}

// maxGridFPS is the finest grid finestGrid accepts.
const maxGridFPS = 1000

// keySnap is how close (seconds) a frame must be to a key to take its value outright. Key times
// are float32, so a frame meant to sit on a key may land a few hundred nanoseconds to either
// side; snapping keeps baked files exact (even for STEP) and skips needless interpolation.
const keySnap = 1e-5

// sampleTrack evaluates a channel at every frame of the clip and stores it in the joint's track.
func sampleTrack(c *anim.Clip, t *track) {
	n := len(t.times)
	k := 0
	value := func(key, which int) []float64 { // which: 0 in-tangent, 1 value, 2 out-tangent
		if t.interp == gltfdoc.InterpolationCubicSpline {
			i := (3*key + which) * t.comps
			return t.out[i : i+t.comps]
		}
		i := key * t.comps
		return t.out[i : i+t.comps]
	}
	var v [4]float64
	for f := 0; f < c.Frames; f++ {
		tm := c.Time(f)
		for k+1 < n && t.times[k+1] <= tm {
			k++
		}
		switch {
		case tm <= t.times[0]+keySnap:
			copy(v[:], value(0, 1))
		case k == n-1:
			copy(v[:], value(n-1, 1))
		case tm-t.times[k] <= keySnap:
			copy(v[:], value(k, 1))
		case t.times[k+1]-tm <= keySnap:
			copy(v[:], value(k+1, 1))
		default:
			td := t.times[k+1] - t.times[k]
			u := (tm - t.times[k]) / td
			interpolate(t, value, k, u, td, &v)
		}
		i := f*c.NumJoints + t.joint
		switch t.path {
		case gltfdoc.TRSTranslation:
			c.Translations[i] = anim.Vec3{v[0], v[1], v[2]}.Scale(metresToCM)
		case gltfdoc.TRSRotation:
			c.Rotations[i] = anim.Quat(v).Normalize()
		case gltfdoc.TRSScale:
			c.Scales[i] = anim.Vec3{v[0], v[1], v[2]}
		}
	}
}

func interpolate(t *track, value func(key, which int) []float64, k int, u, td float64, v *[4]float64) {
	switch t.interp {
	case gltfdoc.InterpolationStep:
		copy(v[:], value(k, 1))
	case gltfdoc.InterpolationCubicSpline:
		// Hermite spline; tangents are per second, so they scale by the key interval.
		u2, u3 := u*u, u*u*u
		h00 := 2*u3 - 3*u2 + 1
		h10 := u3 - 2*u2 + u
		h01 := -2*u3 + 3*u2
		h11 := u3 - u2
		p0, m0 := value(k, 1), value(k, 2)
		p1, m1 := value(k+1, 1), value(k+1, 0)
		for i := 0; i < t.comps; i++ {
			v[i] = h00*p0[i] + h10*td*m0[i] + h01*p1[i] + h11*td*m1[i]
		}
	default:
		a, b := value(k, 1), value(k+1, 1)
		if t.path == gltfdoc.TRSRotation {
			*v = anim.Slerp(anim.Quat(a).Normalize(), anim.Quat(b).Normalize(), u)
			return
		}
		for i := 0; i < t.comps; i++ {
			v[i] = a[i] + (b[i]-a[i])*u
		}
	}
}
