package quality

import (
	"fmt"
	"math"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
)

// Options tunes Measure.
type Options struct {
	Contacts ContactOptions
	// GroundCM is the ground height penetration is measured against. Nil means 0, the floor of
	// a Mixamo export. Compare re-measures a blend's penetration against its inputs' lowest
	// foot or toe instead (see GroundLevel), since the joints sit above the soles.
	GroundCM *float64
	// Transition, when set, marks the result frames where one input hands over to another.
	Transition *Window
}

// Window is a transition's handover: result frames [Start, End) blend from one input into
// another. From and To, when set, are the inputs (clips on the result's skeleton) and
// FromFrame/ToFrame the frames of each that meet at the handover; the handover cost is then
// measured between them. blend.TransitionInfo gives all of these for a blend's transition.
type Window struct {
	Start, End         int
	From, To           *anim.Clip
	FromFrame, ToFrame int
}

// Metrics describes one clip. Lengths are cm, speeds cm/s, accelerations cm/s², angles degrees.
type Metrics struct {
	Name      string  `json:"name"`
	Frames    int     `json:"frames"`
	FPS       float64 `json:"fps"`
	DurationS float64 `json:"duration_s"`
	Joints    int     `json:"joints"`

	// Feet is false when the rig has no LeftFoot/RightFoot; the foot metrics are then zero.
	Feet bool `json:"feet"`
	// FootSkatingCMPerS is the mean horizontal speed of the touching part of a foot (ankle or
	// toe, whichever is nearer its lowest height) over all frames either foot is in contact,
	// both feet pooled. Speeds are relative to the ground: fixed for root-motion clips, and for
	// in-place clips the treadmill each stance moves at (see TreadmillAuto), so what counts is
	// a planted foot changing speed, as it would slide under a character moving steadily.
	FootSkatingCMPerS     float64 `json:"foot_skating_cm_per_s"`
	ContactFrames         int     `json:"contact_frames"` // foot-frames in contact, both feet
	LeftContactFraction   float64 `json:"left_contact_fraction"`
	RightContactFraction  float64 `json:"right_contact_fraction"`
	PlantsPerSecond       float64 `json:"plants_per_second"`
	GroundVelocityCMPerS  float64 `json:"ground_velocity_cm_per_s"` // speed of the treadmill of an in-place clip
	LegLengthCM           float64 `json:"leg_length_cm"`
	ContactHeightCM       float64 `json:"contact_height_cm"`      // threshold used
	ContactSpeedCMPerS    float64 `json:"contact_speed_cm_per_s"` // threshold used
	LowestFootCM          float64 `json:"lowest_foot_cm"`         // lowest ankle or toe height over the clip
	GroundCM              float64 `json:"ground_cm"`              // ground the penetration is measured against
	PenetrationCM         float64 `json:"penetration_cm"`         // deepest ankle or toe below ground, ≥ 0
	PenetrationFraction   float64 `json:"penetration_fraction"`   // fraction of frames with a foot below ground
	L2VelocityCMPerS      float64 `json:"l2_velocity_cm_per_s"`   // formula at Measure
	L2AccelerationCMPerS2 float64 `json:"l2_acceleration_cm_per_s2"`

	// MaxPoseChangeCM is the largest distance any joint moves between two consecutive frames;
	// MaxPoseChangeFrame is the later frame of that pair.
	MaxPoseChangeCM    float64 `json:"max_pose_change_cm"`
	MaxPoseChangeFrame int     `json:"max_pose_change_frame"`
	MaxPoseChangeJoint string  `json:"max_pose_change_joint"`
	// MaxRotationChangeDeg is the same in rotation space: the largest angle any joint's local
	// rotation turns between two consecutive frames.
	MaxRotationChangeDeg   float64 `json:"max_rotation_change_deg"`
	MaxRotationChangeFrame int     `json:"max_rotation_change_frame"`
	MaxRotationChangeJoint string  `json:"max_rotation_change_joint"`

	Transition *TransitionMetrics `json:"transition,omitempty"`
	Series     Series             `json:"series,omitzero"`
}

// Compact returns the metrics without the per-frame series, for summaries and catalogue rows.
func (m Metrics) Compact() Metrics {
	m.Series = Series{}
	return m
}

// Scaled returns the metrics of the same motion on a character k times the size: every length
// (and speed and acceleration) times k, counts, fractions and angles unchanged. A retargeted
// clip is compared with its source scaled to the new character this way.
func (m Metrics) Scaled(k float64) Metrics {
	for _, v := range []*float64{&m.FootSkatingCMPerS, &m.GroundVelocityCMPerS, &m.LegLengthCM, &m.ContactHeightCM,
		&m.ContactSpeedCMPerS, &m.LowestFootCM, &m.GroundCM, &m.PenetrationCM, &m.L2VelocityCMPerS,
		&m.L2AccelerationCMPerS2, &m.MaxPoseChangeCM} {
		*v *= k
	}
	for _, series := range []*[]float64{&m.Series.LeftFootHeightCM, &m.Series.RightFootHeightCM,
		&m.Series.LeftFootSpeedCMPerS, &m.Series.RightFootSpeedCMPerS, &m.Series.PoseChangeCM} {
		scaled := make([]float64, len(*series))
		for i, v := range *series {
			scaled[i] = v * k
		}
		if *series != nil {
			*series = scaled
		}
	}
	return m
}

// Series are per-frame values for plots; each has one value per frame.
type Series struct {
	LeftFootHeightCM     []float64 `json:"left_foot_height_cm"` // lower of ankle and toe
	RightFootHeightCM    []float64 `json:"right_foot_height_cm"`
	LeftFootSpeedCMPerS  []float64 `json:"left_foot_speed_cm_per_s"` // touching part, relative to the ground
	RightFootSpeedCMPerS []float64 `json:"right_foot_speed_cm_per_s"`
	LeftContact          []bool    `json:"left_contact"`
	RightContact         []bool    `json:"right_contact"`
	// PoseChangeCM[f] is the largest joint displacement from frame f-1 to f (0 at frame 0);
	// RotationChangeDeg likewise for local rotations.
	PoseChangeCM      []float64 `json:"pose_change_cm"`
	RotationChangeDeg []float64 `json:"rotation_change_deg"`
}

// Measure computes a clip's metrics.
//
// L2 velocity and acceleration follow the blendanim evaluation: with p(t,j) the world position
// of joint j at frame t (cm) and Δt = 1/FPS,
//
//	v(t,j) = (p(t+1,j) − p(t,j)) / Δt                     cm/s,   t = 0..T−2
//	a(t,j) = (p(t+1,j) − 2p(t,j) + p(t−1,j)) / Δt²        cm/s²,  t = 1..T−2
//	L2Velocity     = mean over t and j of ‖v(t,j)‖₂
//	L2Acceleration = mean over t and j of ‖a(t,j)‖₂
//
// so both are per-joint averages that do not grow with the joint count.
func Measure(s *anim.Skeleton, c *anim.Clip, opt Options) (Metrics, error) {
	if err := checkInput(s, c); err != nil {
		return Metrics{}, err
	}
	if err := opt.Contacts.check("options.Contacts"); err != nil {
		return Metrics{}, err
	}
	if g := opt.GroundCM; g != nil && (math.IsNaN(*g) || math.IsInf(*g, 0)) {
		return Metrics{}, &InputError{Field: "options.GroundCM", Reason: fmt.Sprintf("%v is not a height", *g)}
	}
	if w := opt.Transition; w != nil {
		if err := w.check(s, c); err != nil {
			return Metrics{}, err
		}
	}
	tr := worldTrack(s, c)
	m := Metrics{Name: c.Name, Frames: c.Frames, FPS: c.FPS, DurationS: c.Duration(), Joints: c.NumJoints}
	if opt.GroundCM != nil {
		m.GroundCM = *opt.GroundCM
	}

	if ft, err := findFeet(s); err == nil {
		m.Feet = true
		m.footMetrics(analyzeFeet(s, tr, ft, opt.Contacts))
	}
	m.motion(s, c, tr)
	if w := opt.Transition; w != nil {
		t, err := measureTransition(s, tr, *w, m.Series.PoseChangeCM)
		if err != nil {
			return Metrics{}, err
		}
		m.Transition = &t
	}
	return m, nil
}

func (m *Metrics) footMetrics(fa footAnalysis) {
	c := fa.contacts
	m.LeftContactFraction, m.RightContactFraction = c.Fraction()
	m.PlantsPerSecond = c.PlantsPerSecond()
	m.GroundVelocityCMPerS = c.GroundVelocity.Len()
	m.LegLengthCM = c.LegLengthCM
	m.ContactHeightCM, m.ContactSpeedCMPerS = c.Options.HeightCM, c.Options.SpeedCMPerS
	m.Series.LeftFootHeightCM, m.Series.RightFootHeightCM = fa.height[0], fa.height[1]
	m.Series.LeftFootSpeedCMPerS, m.Series.RightFootSpeedCMPerS = fa.speed[0], fa.speed[1]
	m.Series.LeftContact, m.Series.RightContact = c.Left, c.Right

	sum, n := 0.0, 0
	for side, in := range [][]bool{c.Left, c.Right} {
		for f, ok := range in {
			if ok {
				sum += fa.speed[side][f]
				n++
			}
		}
	}
	m.ContactFrames = n
	if n > 0 {
		m.FootSkatingCMPerS = sum / float64(n)
	}
	m.LowestFootCM = math.Inf(1)
	for side := 0; side < 2; side++ {
		for _, h := range fa.height[side] {
			m.LowestFootCM = min(m.LowestFootCM, h)
		}
	}
	m.PenetrationCM, m.PenetrationFraction = m.PenetrationAt(m.GroundCM)
}

// PenetrationAt measures how far below ground (cm) the lowest ankle or toe goes, and the
// fraction of frames where one is below it. It reads the foot-height series, so it can
// re-measure a clip against another ground without the clip.
func (m Metrics) PenetrationAt(ground float64) (depthCM, fraction float64) {
	l, r := m.Series.LeftFootHeightCM, m.Series.RightFootHeightCM
	if len(l) == 0 || len(l) != len(r) {
		return 0, 0
	}
	below := 0
	for f := range l {
		// A hair of tolerance so a foot resting exactly on the ground is not "below" by rounding.
		if d := ground - min(l[f], r[f]); d > 1e-6 {
			depthCM = max(depthCM, d)
			below++
		}
	}
	return depthCM, float64(below) / float64(len(l))
}

// velocityMetrics returns the blendanim L2 velocity and acceleration over frames [from, to).
func velocityMetrics(tr *track, from, to int) (vel, acc float64) {
	n := tr.n
	dt := 1 / tr.fps
	var sv, sa float64
	var nv, na int
	for t := from; t+1 < to; t++ {
		for j := 0; j < n; j++ {
			sv += tr.at(t+1, j).Sub(tr.at(t, j)).Len() / dt
		}
		nv += n
		if t > from {
			for j := 0; j < n; j++ {
				a := tr.at(t+1, j).Sub(tr.at(t, j).Scale(2)).Add(tr.at(t-1, j))
				sa += a.Len() / (dt * dt)
			}
			na += n
		}
	}
	if nv > 0 {
		vel = sv / float64(nv)
	}
	if na > 0 {
		acc = sa / float64(na)
	}
	return vel, acc
}

// motion fills the L2 velocity and acceleration, the largest pose changes and their series in
// one pass over the frames.
func (m *Metrics) motion(s *anim.Skeleton, c *anim.Clip, tr *track) {
	F, n := tr.frames, tr.n
	m.Series.PoseChangeCM = make([]float64, F)
	m.Series.RotationChangeDeg = make([]float64, F)
	bestP, bestR := -1.0, -1.0
	var sumStep, sumAcc float64
	// Each rotation is normalised once, not once per frame pair it belongs to.
	prev, cur := make([]anim.Quat, n), make([]anim.Quat, n)
	if F > 0 {
		for j := range prev {
			prev[j] = c.Rotations[j].Normalize()
		}
	}
	for f := 1; f < F; f++ {
		var dp, dr float64
		var jp, jr int
		for j := 0; j < n; j++ {
			p0, p1 := tr.at(f-1, j), tr.at(f, j)
			d := p1.Sub(p0).Len()
			sumStep += d
			if d > dp {
				dp, jp = d, j
			}
			if f+1 < F {
				sumAcc += tr.at(f+1, j).Sub(p1.Scale(2)).Add(p0).Len()
			}
			cur[j] = c.Rotations[f*n+j].Normalize()
			a := prev[j].Angle(cur[j]) * 180 / math.Pi
			if a > dr {
				dr, jr = a, j
			}
		}
		prev, cur = cur, prev
		m.Series.PoseChangeCM[f], m.Series.RotationChangeDeg[f] = dp, dr
		if dp > bestP {
			bestP, m.MaxPoseChangeCM, m.MaxPoseChangeFrame, m.MaxPoseChangeJoint = dp, dp, f, s.Joints[jp].Name
		}
		if dr > bestR {
			bestR, m.MaxRotationChangeDeg, m.MaxRotationChangeFrame, m.MaxRotationChangeJoint = dr, dr, f, s.Joints[jr].Name
		}
	}
	if F >= 2 {
		m.L2VelocityCMPerS = sumStep * tr.fps / float64((F-1)*n)
	}
	if F >= 3 {
		m.L2AccelerationCMPerS2 = sumAcc * tr.fps * tr.fps / float64((F-2)*n)
	}
}
