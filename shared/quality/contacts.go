package quality

import (
	"fmt"
	"math"
	"slices"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/mixamo"
)

// Treadmill says how foot speeds are measured.
type Treadmill int

const (
	// TreadmillAuto measures foot speeds relative to the ground's apparent velocity. Mixamo
	// "In Place" clips remove the hips' travel, so a planted foot drifts backwards at the
	// walking speed; relative to that drift it is still. The clip-wide drift is the median
	// velocity of the feet while low; when it is slower than the speed threshold the clip has
	// root motion and the ground counts as fixed. Otherwise each stance is measured against its
	// own drift, so a clip whose speed changes (walk to run) keeps its contacts.
	TreadmillAuto Treadmill = iota
	// TreadmillOff measures foot speeds in the world frame (clips with root motion).
	TreadmillOff
)

// ContactOptions tunes foot-contact detection. Zero fields take defaults derived from the rig.
type ContactOptions struct {
	// HeightCM is how far above its own lowest point over the clip a foot or toe joint may be
	// and still touch the ground. Default: 6% of the leg length (about 5 cm on X Bot).
	HeightCM float64 `json:"height_cm"`
	// SpeedCMPerS is the largest horizontal speed (relative to the ground) of a touching joint.
	// Default: 60% of the leg length per second (about 50 cm/s on X Bot). Generous on purpose:
	// a blend that skates must still be seen as in contact for its skating to be measured.
	SpeedCMPerS float64 `json:"speed_cm_per_s"`
	// MinSeconds drops contacts, and fills gaps, shorter than this. Default: 1/30 s.
	MinSeconds float64 `json:"min_s"`
	// Treadmill selects the frame foot speeds are measured in.
	Treadmill Treadmill `json:"treadmill"`
}

// check rejects thresholds that are negative or not finite; prefix names the options in errors.
func (o ContactOptions) check(prefix string) error {
	for _, f := range []struct {
		name string
		v    float64
	}{{"HeightCM", o.HeightCM}, {"SpeedCMPerS", o.SpeedCMPerS}, {"MinSeconds", o.MinSeconds}} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) || f.v < 0 {
			return &InputError{Field: prefix + "." + f.name, Reason: fmt.Sprintf("%v must be 0 (default) or a positive number", f.v)}
		}
	}
	if o.Treadmill != TreadmillAuto && o.Treadmill != TreadmillOff {
		return &InputError{Field: prefix + ".Treadmill", Reason: fmt.Sprintf("unknown mode %d", o.Treadmill)}
	}
	return nil
}

// Contacts is the per-frame foot contact state of a clip.
type Contacts struct {
	FPS   float64 `json:"fps"`
	Left  []bool  `json:"left"`
	Right []bool  `json:"right"`
	// LeftPlants and RightPlants are the frames where a contact starts (frame 0 never counts:
	// a contact already under way there was not observed to start).
	LeftPlants  []int `json:"left_plants"`
	RightPlants []int `json:"right_plants"`
	// Options are the thresholds actually used, defaults resolved.
	Options ContactOptions `json:"options"`
	// LegLengthCM is the rest-pose hip-to-ankle length the defaults scale with.
	LegLengthCM float64 `json:"leg_length_cm"`
	// GroundVelocity is the clip's typical horizontal ground velocity (cm/s, Y always 0): zero
	// unless TreadmillAuto found an in-place clip.
	GroundVelocity anim.Vec3 `json:"ground_velocity_cm_per_s"`
}

// PlantsPerSecond is the number of plants of both feet per second of clip.
func (c Contacts) PlantsPerSecond() float64 {
	n := len(c.Left)
	if n < 2 || c.FPS <= 0 {
		return 0
	}
	return float64(len(c.LeftPlants)+len(c.RightPlants)) / (float64(n-1) / c.FPS)
}

// Fraction returns the fraction of frames each foot is in contact.
func (c Contacts) Fraction() (left, right float64) {
	return fraction(c.Left), fraction(c.Right)
}

func fraction(b []bool) float64 {
	if len(b) == 0 {
		return 0
	}
	k := 0
	for _, v := range b {
		if v {
			k++
		}
	}
	return float64(k) / float64(len(b))
}

// FootContacts finds the frames where each foot touches the ground. A foot touches when its
// Foot (ankle) or ToeBase joint is within HeightCM of that joint's own lowest height over the
// clip and moves horizontally slower than SpeedCMPerS. The rig must have LeftFoot and RightFoot
// (any Mixamo spelling); toes are used when present.
func FootContacts(s *anim.Skeleton, c *anim.Clip, opt ContactOptions) (Contacts, error) {
	if err := checkInput(s, c); err != nil {
		return Contacts{}, err
	}
	if err := opt.check("options"); err != nil {
		return Contacts{}, err
	}
	ft, err := findFeet(s)
	if err != nil {
		return Contacts{}, err
	}
	tr := worldTrack(s, c)
	fa := analyzeFeet(s, tr, ft, opt)
	return fa.contacts, nil
}

// feet holds joint indices per side (0 left, 1 right); toe is -1 when the rig has none.
type feet struct {
	foot, toe [2]int
}

func findFeet(s *anim.Skeleton) (feet, error) {
	ft := feet{foot: [2]int{-1, -1}, toe: [2]int{-1, -1}}
	for i, j := range s.Joints {
		switch mixamo.Normalize(j.Name) {
		case "LeftFoot":
			ft.foot[0] = i
		case "RightFoot":
			ft.foot[1] = i
		case "LeftToeBase":
			ft.toe[0] = i
		case "RightToeBase":
			ft.toe[1] = i
		}
	}
	var missing []string
	if ft.foot[0] < 0 {
		missing = append(missing, "LeftFoot")
	}
	if ft.foot[1] < 0 {
		missing = append(missing, "RightFoot")
	}
	if len(missing) > 0 {
		return ft, &InputError{Field: "skeleton", Reason: "rig has no feet to measure",
			Err: &mixamo.MissingJointsError{Missing: missing}}
	}
	return ft, nil
}

// legLength is the rest-pose length of the two bones above each ankle (knee and hip), averaged
// over both legs; it makes thresholds work on rigs of any scale.
func legLength(s *anim.Skeleton, ft feet) float64 {
	rest := s.RestPositions()
	total, legs := 0.0, 0
	for side := 0; side < 2; side++ {
		j, l := ft.foot[side], 0.0
		for k := 0; k < 2; k++ {
			p := s.Joints[j].Parent
			if p < 0 {
				break
			}
			l += rest[j].Sub(rest[p]).Len()
			j = p
		}
		if l > 0 {
			total += l
			legs++
		}
	}
	if legs == 0 || total == 0 {
		return 90 // an adult human leg in cm, for rigs whose feet hang off the root
	}
	return total / float64(legs)
}

func checkInput(s *anim.Skeleton, c *anim.Clip) error {
	if s == nil {
		return &InputError{Field: "skeleton", Reason: "is nil"}
	}
	if c == nil {
		return &InputError{Field: "clip", Reason: "is nil"}
	}
	if err := s.Validate(); err != nil {
		return &InputError{Field: "skeleton", Reason: "invalid", Err: err}
	}
	if err := c.Validate(s); err != nil {
		return &InputError{Field: "clip", Reason: "invalid", Err: err}
	}
	return nil
}

// track is a clip's world joint positions, frame-major like the clip.
type track struct {
	fps    float64
	frames int
	n      int
	p      []anim.Vec3
}

func (t *track) at(f, j int) anim.Vec3 { return t.p[f*t.n+j] }

func worldTrack(s *anim.Skeleton, c *anim.Clip) *track {
	t := &track{fps: c.FPS, frames: c.Frames, n: c.NumJoints, p: make([]anim.Vec3, c.Frames*c.NumJoints)}
	for f := 0; f < c.Frames; f++ {
		c.WorldPositions(s, f, t.p[f*t.n:(f+1)*t.n])
	}
	return t
}

// hvel is joint j's horizontal velocity at frame f in cm/s: central differences inside the
// clip, one-sided at its ends.
func (t *track) hvel(f, j int) anim.Vec3 {
	if t.frames < 2 {
		return anim.Vec3{}
	}
	a, b := f-1, f+1
	if a < 0 {
		a = 0
	}
	if b >= t.frames {
		b = t.frames - 1
	}
	d := t.at(b, j).Sub(t.at(a, j)).Scale(t.fps / float64(b-a))
	d[1] = 0
	return d
}

// footAnalysis holds the per-frame series that contacts and metrics share.
type footAnalysis struct {
	contacts Contacts
	height   [2][]float64 // world height of the lower of foot and toe, cm
	speed    [2][]float64 // horizontal speed of the contact point relative to the ground, cm/s
}

func analyzeFeet(s *anim.Skeleton, tr *track, ft feet, opt ContactOptions) footAnalysis {
	leg := legLength(s, ft)
	if opt.HeightCM <= 0 {
		opt.HeightCM = 0.06 * leg
	}
	if opt.SpeedCMPerS <= 0 {
		opt.SpeedCMPerS = 0.6 * leg
	}
	if opt.MinSeconds <= 0 {
		opt.MinSeconds = 1.0 / 30
	}
	F := tr.frames

	// Joints per side: the ankle, and the toe when present.
	var joints [2][]int
	for side := 0; side < 2; side++ {
		joints[side] = []int{ft.foot[side]}
		if ft.toe[side] >= 0 {
			joints[side] = append(joints[side], ft.toe[side])
		}
	}
	minH := make([]float64, tr.n)
	for side := 0; side < 2; side++ {
		for _, j := range joints[side] {
			m := math.Inf(1)
			for f := 0; f < F; f++ {
				m = min(m, tr.at(f, j)[1])
			}
			minH[j] = m
		}
	}
	// low returns the joint of a side nearest its own lowest height: the part touching down.
	low := func(side, f int) int {
		best, bestD := joints[side][0], math.Inf(1)
		for _, j := range joints[side] {
			if d := tr.at(f, j)[1] - minH[j]; d < bestD {
				best, bestD = j, d
			}
		}
		return best
	}

	// isLow reports whether joint j is within the height threshold of its lowest point.
	isLow := func(f, j int) bool { return tr.at(f, j)[1]-minH[j] <= opt.HeightCM }
	var overall anim.Vec3
	if opt.Treadmill == TreadmillAuto {
		overall = overallGround(tr, joints, low, isLow, opt.SpeedCMPerS)
	}
	fa := footAnalysis{contacts: Contacts{FPS: tr.fps, Options: opt, LegLengthCM: leg, GroundVelocity: overall}}
	minRun := max(1, int(math.Round(opt.MinSeconds*tr.fps)))
	for side := 0; side < 2; side++ {
		ground := make([]anim.Vec3, F)
		if overall != (anim.Vec3{}) {
			stanceGround(tr, side, joints[side], low, isLow, overall, opt, minRun, ground)
		}
		in := make([]bool, F)
		h, sp := make([]float64, F), make([]float64, F)
		for f := 0; f < F; f++ {
			lowest := math.Inf(1)
			for _, j := range joints[side] {
				lowest = min(lowest, tr.at(f, j)[1])
				if isLow(f, j) && tr.hvel(f, j).Sub(ground[f]).Len() <= opt.SpeedCMPerS {
					in[f] = true
				}
			}
			h[f] = lowest
			sp[f] = tr.hvel(f, low(side, f)).Sub(ground[f]).Len()
		}
		in = debounce(in, minRun)
		fa.height[side], fa.speed[side] = h, sp
		if side == 0 {
			fa.contacts.Left, fa.contacts.LeftPlants = in, plants(in)
		} else {
			fa.contacts.Right, fa.contacts.RightPlants = in, plants(in)
		}
	}
	return fa
}

// overallGround estimates the treadmill velocity of an in-place clip: the median horizontal
// velocity of whichever part of each foot is low (the median ignores swing phases that pass
// low). Slower than the speed threshold, the ground counts as fixed and zero is returned.
func overallGround(tr *track, joints [2][]int, low func(side, f int) int, isLow func(f, j int) bool, speed float64) anim.Vec3 {
	var xs, zs []float64
	for f := 0; f < tr.frames; f++ {
		for side := range joints {
			if j := low(side, f); isLow(f, j) {
				v := tr.hvel(f, j)
				xs, zs = append(xs, v[0]), append(zs, v[2])
			}
		}
	}
	g := anim.Vec3{median(xs), 0, median(zs)}
	if g.Len() <= speed {
		return anim.Vec3{}
	}
	return g
}

// stanceGround fills ground, for one foot of an in-place clip, with the treadmill velocity each
// of its stances moves at: the median velocity of the foot over each stretch where it is low.
// Each stance gets its own so that a walk-to-run transition, whose treadmill speeds up, is
// measured against the right one. A stretch that does not move back along the treadmill (a
// swing passing low) and the frames outside stances take the clip-wide velocity.
func stanceGround(tr *track, side int, joints []int, low func(side, f int) int, isLow func(f, j int) bool,
	overall anim.Vec3, opt ContactOptions, minRun int, ground []anim.Vec3) {
	F := tr.frames
	lowFrames := make([]bool, F)
	for f := 0; f < F; f++ {
		for _, j := range joints {
			lowFrames[f] = lowFrames[f] || isLow(f, j)
		}
		ground[f] = overall
	}
	lowFrames = debounce(lowFrames, minRun)
	dir := overall.Scale(1 / overall.Len())
	for a := 0; a < F; {
		if !lowFrames[a] {
			a++
			continue
		}
		b := a
		var xs, zs []float64
		for ; b < F && lowFrames[b]; b++ {
			v := tr.hvel(b, low(side, b))
			xs, zs = append(xs, v[0]), append(zs, v[2])
		}
		if g := (anim.Vec3{median(xs), 0, median(zs)}); g.Dot(dir) > opt.SpeedCMPerS {
			for f := a; f < b; f++ {
				ground[f] = g
			}
		}
		a = b
	}
}

// debounce fills gaps and then drops contacts shorter than n frames, so a single noisy frame
// neither splits one plant into two nor invents one.
func debounce(in []bool, n int) []bool {
	if n <= 1 {
		return in
	}
	out := slices.Clone(in)
	setRuns(out, false, n, true) // short gaps between contacts become contact
	setRuns(out, true, n, false) // short contacts are dropped
	return out
}

// setRuns replaces interior runs of value v shorter than n with to. Runs touching either end of
// the clip are kept: they may continue outside it.
func setRuns(b []bool, v bool, n int, to bool) {
	for i := 0; i < len(b); {
		if b[i] != v {
			i++
			continue
		}
		j := i
		for j < len(b) && b[j] == v {
			j++
		}
		if i > 0 && j < len(b) && j-i < n {
			for k := i; k < j; k++ {
				b[k] = to
			}
		}
		i = j
	}
}

func plants(in []bool) []int {
	var p []int
	for f := 1; f < len(in); f++ {
		if in[f] && !in[f-1] {
			p = append(p, f)
		}
	}
	return p
}

func median(x []float64) float64 {
	if len(x) == 0 {
		return 0
	}
	x = slices.Clone(x)
	slices.Sort(x)
	m := len(x) / 2
	if len(x)%2 == 1 {
		return x[m]
	}
	return (x[m-1] + x[m]) / 2
}
