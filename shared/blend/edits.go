package blend

import (
	"math"
	"strings"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
)

// Root-motion conventions for Options.RootMotion.
const (
	// RootMotionRoot moves the Hips' ground travel and yaw into a root bone above them, as
	// Unreal Engine's root motion and Godot's root bone expect.
	RootMotionRoot = "root"
	// RootMotionHips keeps all motion in the Hips, as Mixamo exports it (no root bone).
	RootMotionHips = "hips"
)

// Limits of the clip edits.
const (
	minSpeed = 0.01
	maxSpeed = 100
)

func rootMotionName(name string) (string, bool) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "":
		return "", true
	case "root", "root_bone", "root-bone":
		return RootMotionRoot, true
	case "hips", "none":
		return RootMotionHips, true
	}
	return "", false
}

// validateEdits checks the edit options that do not depend on the clip; trims beyond the
// result are reported when the result is known (trimClip).
func (o Options) validateEdits() error {
	if o.TrimStart != nil && o.TrimStartFrame != nil {
		return optErr("trim_start", "give trim_start (seconds) or trim_start_frame, not both")
	}
	if o.TrimEnd != nil && o.TrimEndFrame != nil {
		return optErr("trim_end", "give trim_end (seconds) or trim_end_frame, not both")
	}
	for _, t := range []struct {
		field string
		v     *float64
	}{{"trim_start", o.TrimStart}, {"trim_end", o.TrimEnd}} {
		if t.v != nil && (!finite(*t.v) || *t.v < 0) {
			return optErr(t.field, "%v must be a time in seconds, 0 or more", *t.v)
		}
	}
	for _, t := range []struct {
		field string
		v     *int
	}{{"trim_start_frame", o.TrimStartFrame}, {"trim_end_frame", o.TrimEndFrame}} {
		if t.v != nil && *t.v < 0 {
			return optErr(t.field, "%d must be a frame, 0 or more", *t.v)
		}
	}
	if o.TrimStart != nil && o.TrimEnd != nil && *o.TrimEnd <= *o.TrimStart {
		return optErr("trim_end", "%v s must be after trim_start %v s", *o.TrimEnd, *o.TrimStart)
	}
	if o.TrimStartFrame != nil && o.TrimEndFrame != nil && *o.TrimEndFrame <= *o.TrimStartFrame {
		return optErr("trim_end_frame", "%d must be after trim_start_frame %d", *o.TrimEndFrame, *o.TrimStartFrame)
	}
	if o.Speed != nil && (!finite(*o.Speed) || *o.Speed < minSpeed || *o.Speed > maxSpeed) {
		return optErr("speed", "%v must be a play rate from %v to %v (2 plays twice as fast)", *o.Speed, minSpeed, maxSpeed)
	}
	if _, ok := rootMotionName(o.RootMotion); !ok {
		return optErr("root_motion", "unknown %q; want root (a root bone above the Hips carries their travel and yaw), hips (no root bone) or empty (as the first input)", o.RootMotion)
	}
	return nil
}

// canonicalEdits copies the edits into c in normal form: a speed of 1 and trims at the ends
// that cut nothing are still explicit, since only the clip knows its ends.
func (o Options) canonicalEdits(c *Options) {
	if o.TrimStart != nil {
		c.TrimStart = ptr(*o.TrimStart)
	}
	if o.TrimEnd != nil {
		c.TrimEnd = ptr(*o.TrimEnd)
	}
	if o.TrimStartFrame != nil {
		c.TrimStartFrame = iptr(*o.TrimStartFrame)
	}
	if o.TrimEndFrame != nil {
		c.TrimEndFrame = iptr(*o.TrimEndFrame)
	}
	if o.Speed != nil && *o.Speed != 1 {
		c.Speed = ptr(*o.Speed)
	}
	c.Reverse, c.Mirror, c.LoopFind = o.Reverse, o.Mirror, o.LoopFind
	c.RootMotion, _ = rootMotionName(o.RootMotion)
}

func iptr(v int) *int { return &v }

// preEdits returns the inputs with any root bone baked into the Hips, so the operators see
// Mixamo's convention, and whether the first input had one.
func preEdits(inputs []*anim.Animation) ([]*anim.Animation, bool) {
	out := inputs
	first := false
	for i, a := range inputs {
		b, had := bakeInput(a)
		if !had {
			continue
		}
		if i == 0 {
			first = true
		}
		if &out[0] == &inputs[0] {
			out = append([]*anim.Animation(nil), inputs...)
		}
		out[i] = b
	}
	return out, first
}

// bakeInput bakes a well-formed input's root bone; it leaves anything else for bind to judge.
func bakeInput(a *anim.Animation) (*anim.Animation, bool) {
	if a == nil || a.Skeleton == nil || a.Skeleton.Validate() != nil || a.Clip() == nil || a.Clip().Validate(a.Skeleton) != nil {
		return a, false
	}
	hips := hipsIndex(a.Skeleton)
	if hips < 0 || rootBoneOf(a.Skeleton, hips) < 0 {
		return a, false
	}
	b, err := BakeRoot(a)
	if err != nil {
		return a, false
	}
	return b, true
}

// editClip applies trim, speed, reverse and mirror to the method's result, in that order.
func editClip(o Options, s *anim.Skeleton, c *anim.Clip) (*anim.Clip, error) {
	var err error
	if o.TrimStart != nil || o.TrimEnd != nil || o.TrimStartFrame != nil || o.TrimEndFrame != nil {
		if c, err = trimClip(o, c); err != nil {
			return nil, err
		}
	}
	if o.Speed != nil && *o.Speed != 1 {
		if c, err = retime(c, *o.Speed); err != nil {
			return nil, err
		}
	}
	if o.Reverse {
		reverse(c)
	}
	if o.Mirror {
		if err := mirror(s, c); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// trimClip cuts the clip to the options' range, both ends kept. Frame trims copy frames; time
// trims sample the clip from the start time on its own grid.
func trimClip(o Options, c *anim.Clip) (*anim.Clip, error) {
	last := c.Frames - 1
	dur := c.Duration()
	if o.TrimStartFrame != nil || o.TrimEndFrame != nil || (o.TrimStart == nil && o.TrimEnd == nil) {
		a, b := 0, last
		if o.TrimStartFrame != nil {
			a = *o.TrimStartFrame
		}
		if o.TrimEndFrame != nil {
			b = *o.TrimEndFrame
		}
		if o.TrimStart != nil || o.TrimEnd != nil { // one end in seconds, the other in frames
			if o.TrimStart != nil {
				a = int(math.Round(*o.TrimStart * c.FPS))
			}
			if o.TrimEnd != nil {
				b = int(math.Round(*o.TrimEnd * c.FPS))
			}
		}
		switch {
		case a > last:
			return nil, optErr(trimField(o, true), "starts at frame %d, after the result's last frame %d", a, last)
		case b > last:
			return nil, optErr(trimField(o, false), "ends at frame %d, after the result's last frame %d", b, last)
		case b <= a:
			return nil, optErr(trimField(o, false), "ends at frame %d, not after the start frame %d", b, a)
		}
		return copyFrames(c, a, b), nil
	}
	a, b := 0.0, dur
	if o.TrimStart != nil {
		a = *o.TrimStart
	}
	if o.TrimEnd != nil {
		b = *o.TrimEnd
	}
	const slack = 1e-9
	switch {
	case a > dur+slack:
		return nil, optErr("trim_start", "%v s is after the result's end at %.4g s", a, dur)
	case b > dur+slack:
		return nil, optErr("trim_end", "%v s is after the result's end at %.4g s", b, dur)
	case b <= a:
		return nil, optErr("trim_end", "%v s is not after the start %v s", b, a)
	}
	frames := int(math.Floor((b-a)*c.FPS+1e-6)) + 1
	if frames < 2 {
		return nil, optErr("trim_end", "%v s to %v s holds less than one frame at %g fps", a, b, c.FPS)
	}
	out := newLike(c, frames)
	for f := 0; f < frames; f++ {
		r, t, s := out.Pose(f)
		c.Sample(c.Start+a+float64(f)/c.FPS, r, t, s)
	}
	return out, nil
}

func trimField(o Options, start bool) string {
	switch {
	case start && o.TrimStartFrame != nil:
		return "trim_start_frame"
	case start:
		return "trim_start"
	case o.TrimEndFrame != nil:
		return "trim_end_frame"
	}
	return "trim_end"
}

// newLike allocates a clip of frames frames with c's name, rate, start and joints.
func newLike(c *anim.Clip, frames int) *anim.Clip {
	n := frames * c.NumJoints
	return &anim.Clip{Name: c.Name, FPS: c.FPS, Start: c.Start, Frames: frames, NumJoints: c.NumJoints,
		Rotations: make([]anim.Quat, n), Translations: make([]anim.Vec3, n), Scales: make([]anim.Vec3, n)}
}

// copyFrames returns frames a..b of c (both kept).
func copyFrames(c *anim.Clip, a, b int) *anim.Clip {
	n := c.NumJoints
	out := newLike(c, b-a+1)
	copy(out.Rotations, c.Rotations[a*n:(b+1)*n])
	copy(out.Translations, c.Translations[a*n:(b+1)*n])
	copy(out.Scales, c.Scales[a*n:(b+1)*n])
	return out
}

// retime plays the clip at speed: the result covers the same motion in duration/speed on the
// same frame grid, each frame sampling the source at speed times its own time.
func retime(c *anim.Clip, speed float64) (*anim.Clip, error) {
	frames := int(math.Round(c.Duration()/speed*c.FPS)) + 1
	if float64(frames)*float64(c.NumJoints) > maxSamples {
		return nil, optErr("speed", "%v would make %d frames of %d joints, more than the limit of %d samples", speed, frames, c.NumJoints, maxSamples)
	}
	if frames < 2 && c.Frames >= 2 {
		frames = 2
	}
	out := newLike(c, frames)
	for f := 0; f < frames; f++ {
		r, t, s := out.Pose(f)
		c.Sample(c.Start+float64(f)*speed/c.FPS, r, t, s)
	}
	return out, nil
}

// reverse plays the clip backwards in place: frame f becomes frame Frames-1-f.
func reverse(c *anim.Clip) {
	n := c.NumJoints
	for a, b := 0, c.Frames-1; a < b; a, b = a+1, b-1 {
		ra, ta, sa := c.Pose(a)
		rb, tb, sb := c.Pose(b)
		for j := 0; j < n; j++ {
			ra[j], rb[j] = rb[j], ra[j]
			ta[j], tb[j] = tb[j], ta[j]
			sa[j], sb[j] = sb[j], sa[j]
		}
	}
}
