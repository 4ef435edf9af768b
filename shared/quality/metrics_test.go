package quality

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
)

const fps = 60.0

// moveHips sets the hips' world position at frame f (the hips are the root, Base is identity).
func moveHips(c *anim.Clip, f int, p anim.Vec3) { c.Translations[f*c.NumJoints+jHips] = p }

func near(got, want, tol float64) bool { return math.Abs(got-want) <= tol }

func TestMeasureSynthetic(t *testing.T) {
	t.Parallel()
	s := legsRig(1)
	const frames = 121
	const v = 20.0 // cm/s
	tests := []struct {
		name  string
		clip  func() *anim.Clip
		opt   Options
		check func(t *testing.T, m Metrics)
	}{
		{"still", func() *anim.Clip { return anim.NewClip("still", s, fps, frames) }, Options{},
			func(t *testing.T, m Metrics) {
				if m.L2VelocityCMPerS != 0 || m.L2AccelerationCMPerS2 != 0 || m.MaxPoseChangeCM != 0 ||
					m.MaxRotationChangeDeg != 0 || m.FootSkatingCMPerS != 0 || m.PenetrationCM != 0 {
					t.Errorf("still clip moves: %+v", m)
				}
				if m.LeftContactFraction != 1 || m.RightContactFraction != 1 {
					t.Errorf("still feet not in contact: %.2f %.2f", m.LeftContactFraction, m.RightContactFraction)
				}
				if !near(m.LowestFootCM, 2, 1e-9) {
					t.Errorf("lowest foot %.3f cm, want the toes' 2 cm", m.LowestFootCM)
				}
			}},
		{"both feet sliding at ground height", func() *anim.Clip {
			c := anim.NewClip("slide", s, fps, frames)
			for f := 0; f < frames; f++ {
				dz := v * float64(f) / fps
				setFootWorld(s, c, f, jLFoot, anim.Vec3{10, 10, dz})
				setFootWorld(s, c, f, jRFoot, anim.Vec3{-10, 10, dz})
			}
			return c
		}, Options{Contacts: ContactOptions{Treadmill: TreadmillOff}},
			func(t *testing.T, m Metrics) {
				if !near(m.FootSkatingCMPerS, v, 1e-6) {
					t.Errorf("skating %.4f cm/s, want %.1f", m.FootSkatingCMPerS, v)
				}
				if m.ContactFrames != 2*frames {
					t.Errorf("%d contact frames, want %d", m.ContactFrames, 2*frames)
				}
			}},
		{"left foot slides for the last third", func() *anim.Clip {
			c := anim.NewClip("slip", s, fps, frames)
			for f := 0; f < frames; f++ {
				dz := 0.0
				if f > 80 {
					dz = v * float64(f-80) / fps
				}
				setFootWorld(s, c, f, jLFoot, anim.Vec3{10, 10, dz})
			}
			return c
		}, Options{},
			func(t *testing.T, m Metrics) {
				// 40 of 242 foot-frames slide at v (one more at v/2 where the slide starts).
				want := (40*v + v/2) / (2 * frames)
				if m.GroundVelocityCMPerS != 0 || !near(m.FootSkatingCMPerS, want, 1e-6) {
					t.Errorf("skating %.4f cm/s (ground %.2f), want %.4f", m.FootSkatingCMPerS, m.GroundVelocityCMPerS, want)
				}
			}},
		{"constant velocity", func() *anim.Clip {
			c := anim.NewClip("glide", s, fps, frames)
			for f := 0; f < frames; f++ {
				moveHips(c, f, anim.Vec3{v * float64(f) / fps, 90, 0})
			}
			return c
		}, Options{},
			func(t *testing.T, m Metrics) {
				if !near(m.L2VelocityCMPerS, v, 1e-9) || !near(m.L2AccelerationCMPerS2, 0, 1e-6) {
					t.Errorf("L2 velocity %.6f, acceleration %.6f; want %.1f, 0", m.L2VelocityCMPerS, m.L2AccelerationCMPerS2, v)
				}
				if !near(m.MaxPoseChangeCM, v/fps, 1e-9) {
					t.Errorf("max pose change %.6f, want %.6f", m.MaxPoseChangeCM, v/fps)
				}
			}},
		{"constant acceleration", func() *anim.Clip {
			c := anim.NewClip("fall", s, fps, frames)
			for f := 0; f < frames; f++ {
				tt := float64(f) / fps
				moveHips(c, f, anim.Vec3{0, 90 - 0.5*981*tt*tt, 0})
			}
			return c
		}, Options{},
			func(t *testing.T, m Metrics) {
				// Forward differences: the mean speed over steps is g × mean of (t+½Δt) = g × T/2.
				T := float64(frames-1) / fps
				if !near(m.L2AccelerationCMPerS2, 981, 1e-6) || !near(m.L2VelocityCMPerS, 981*T/2, 1e-6) {
					t.Errorf("L2 acceleration %.4f (want 981), velocity %.4f (want %.4f)", m.L2AccelerationCMPerS2, m.L2VelocityCMPerS, 981*T/2)
				}
			}},
		{"single jump", func() *anim.Clip {
			c := anim.NewClip("pop", s, fps, frames)
			for f := 50; f < frames; f++ {
				moveHips(c, f, anim.Vec3{7, 90, 0})
				c.Rotations[f*c.NumJoints+jSpine] = anim.QuatAxisAngle(anim.Vec3{0, 0, 1}, 30*math.Pi/180)
			}
			return c
		}, Options{},
			func(t *testing.T, m Metrics) {
				if !near(m.MaxPoseChangeCM, 7, 1e-9) || m.MaxPoseChangeFrame != 50 {
					t.Errorf("max pose change %.6f at %d, want 7 at 50", m.MaxPoseChangeCM, m.MaxPoseChangeFrame)
				}
				if !near(m.MaxRotationChangeDeg, 30, 1e-9) || m.MaxRotationChangeFrame != 50 || m.MaxRotationChangeJoint != "mixamorig:Spine" {
					t.Errorf("max rotation change %.6f° at %d on %s, want 30° at 50 on the spine",
						m.MaxRotationChangeDeg, m.MaxRotationChangeFrame, m.MaxRotationChangeJoint)
				}
				if got := m.Series.PoseChangeCM[50]; got != m.MaxPoseChangeCM || m.Series.PoseChangeCM[49] != 0 {
					t.Errorf("pose change series %v around the jump", m.Series.PoseChangeCM[48:52])
				}
			}},
		{"foot below ground", func() *anim.Clip {
			c := anim.NewClip("sink", s, fps, frames)
			for f := 30; f < 40; f++ {
				setFootWorld(s, c, f, jRFoot, anim.Vec3{-10, 5, 0}) // toe at -3 cm
			}
			return c
		}, Options{},
			func(t *testing.T, m Metrics) {
				if !near(m.PenetrationCM, 3, 1e-9) || !near(m.PenetrationFraction, 10.0/frames, 1e-12) {
					t.Errorf("penetration %.6f cm on %.4f of frames, want 3 cm on %.4f", m.PenetrationCM, m.PenetrationFraction, 10.0/frames)
				}
				if d, _ := m.PenetrationAt(-5); d != 0 {
					t.Errorf("penetration below a -5 cm ground: %.3f, want 0", d)
				}
			}},
		{"transition window", func() *anim.Clip {
			c := anim.NewClip("step", s, fps, frames)
			for f := 0; f < frames; f++ {
				y := 90.0
				if f >= 70 {
					y = 80
				} else if f >= 60 {
					y = 90 - float64(f-59) // 1 cm a frame down to 80
				}
				moveHips(c, f, anim.Vec3{0, y, 0})
			}
			return c
		}, Options{Transition: &Window{Start: 60, End: 70}},
			func(t *testing.T, m Metrics) {
				tr := m.Transition
				if tr == nil || !near(tr.MaxPoseChangeCM, 1, 1e-9) {
					t.Fatalf("transition %+v, want a 1 cm largest step", tr)
				}
				// Every joint is 9 cm lower at the window's end than at its start.
				if !near(tr.Bridge.PoseCM, 9, 1e-9) {
					t.Errorf("bridge pose distance %.6f cm, want 9", tr.Bridge.PoseCM)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Measure(s, tt.clip(), tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			if !m.Feet || m.Frames != frames || len(m.Series.LeftFootHeightCM) != frames || len(m.Series.PoseChangeCM) != frames {
				t.Fatalf("shape: feet %v, %d frames, series %d/%d", m.Feet, m.Frames, len(m.Series.LeftFootHeightCM), len(m.Series.PoseChangeCM))
			}
			tt.check(t, m)
			full, err := json.Marshal(m)
			if err != nil {
				t.Fatalf("metrics do not encode: %v", err)
			}
			compact, _ := json.Marshal(m.Compact())
			if !strings.Contains(string(full), `"series":`) || strings.Contains(string(compact), `"series":`) {
				t.Errorf("series in full: %v, in compact: %v", strings.Contains(string(full), `"series":`), strings.Contains(string(compact), `"series":`))
			}
		})
	}
}

func TestMeasureWithoutFeet(t *testing.T) {
	t.Parallel()
	s := legsRig(1)
	s.Joints[jRFoot].Name = "Bone7"
	c := anim.NewClip("x", s, fps, 10)
	m, err := Measure(s, c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Feet || m.ContactFrames != 0 || m.Series.LeftContact != nil {
		t.Errorf("foot metrics on a rig without feet: %+v", m)
	}
}

func TestMeasureBadWindow(t *testing.T) {
	t.Parallel()
	s := legsRig(1)
	c := anim.NewClip("x", s, fps, 10)
	for _, w := range []Window{{Start: 5, End: 5}, {Start: -1, End: 3}, {Start: 2, End: 11}, {Start: 1, End: 3, From: c}} {
		_, err := Measure(s, c, Options{Transition: &w})
		var ie *InputError
		if !errors.As(err, &ie) || ie.Field != "options.Transition" {
			t.Errorf("window %+v: error %v, want *InputError on options.Transition", w, err)
		}
	}
}

func TestMeasureBadOptions(t *testing.T) {
	t.Parallel()
	s := legsRig(1)
	c := anim.NewClip("x", s, fps, 10)
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		opt   Options
		field string
	}{
		{Options{Contacts: ContactOptions{HeightCM: -1}}, "options.Contacts.HeightCM"},
		{Options{Contacts: ContactOptions{SpeedCMPerS: nan}}, "options.Contacts.SpeedCMPerS"},
		{Options{Contacts: ContactOptions{MinSeconds: inf}}, "options.Contacts.MinSeconds"},
		{Options{Contacts: ContactOptions{Treadmill: 7}}, "options.Contacts.Treadmill"},
		{Options{GroundCM: &nan}, "options.GroundCM"},
	}
	for _, tt := range tests {
		_, err := Measure(s, c, tt.opt)
		var ie *InputError
		if !errors.As(err, &ie) || ie.Field != tt.field {
			t.Errorf("%+v: error %v, want *InputError on %s", tt.opt, err, tt.field)
		}
	}
}

func TestHandoverCost(t *testing.T) {
	t.Parallel()
	s := legsRig(1)
	a := anim.NewClip("a", s, fps, 10)
	b := anim.NewClip("b", s, fps, 10)
	for f := 0; f < 10; f++ {
		// b travels 30 cm/s forward (root motion) and stands 4 cm lower: only the drop counts.
		moveHips(b, f, anim.Vec3{0, 86, 30 * float64(f) / fps})
	}
	tests := []struct {
		name     string
		x, y     *anim.Clip
		wantPose float64
	}{
		{"same clip", a, a, 0},
		{"travel ignored, height counts", a, b, 4},
	}
	for _, tt := range tests {
		c, err := HandoverCost(s, tt.x, 5, tt.y, 5)
		if err != nil {
			t.Fatal(err)
		}
		if !near(c.PoseCM, tt.wantPose, 1e-9) || !near(c.VelocityCMPerS, 0, 1e-9) || !near(c.Score, tt.wantPose, 1e-9) {
			t.Errorf("%s: %+v, want pose %.1f and no velocity difference", tt.name, c, tt.wantPose)
		}
	}
	if _, err := HandoverCost(s, a, 10, b, 0); err == nil {
		t.Error("frame outside the clip accepted")
	}
}

func TestCompare(t *testing.T) {
	t.Parallel()
	series := func(h ...float64) Series { return Series{LeftFootHeightCM: h, RightFootHeightCM: h} }
	walk := Metrics{Name: "walk", Feet: true, FootSkatingCMPerS: 10, L2VelocityCMPerS: 100, L2AccelerationCMPerS2: 1000,
		MaxPoseChangeCM: 4, MaxRotationChangeDeg: 5, LowestFootCM: 2, Series: series(2, 3, 4)}
	run := Metrics{Name: "run", Feet: true, FootSkatingCMPerS: 20, L2VelocityCMPerS: 200, L2AccelerationCMPerS2: 3000,
		MaxPoseChangeCM: 8, MaxRotationChangeDeg: 10, LowestFootCM: 1.5, Series: series(1.5, 3, 4)}
	mix := Metrics{Name: "mix", Feet: true, FootSkatingCMPerS: 18, L2VelocityCMPerS: 150, L2AccelerationCMPerS2: 2000,
		MaxPoseChangeCM: 12.4, MaxRotationChangeDeg: 10, LowestFootCM: -1, Series: series(-1, 2, 3)}

	r := Compare(mix, walk, run)
	if r.GroundCM != 1.5 {
		t.Errorf("ground %.2f, want the inputs' lowest 1.5", r.GroundCM)
	}
	checks := []struct {
		name string
		got  *float64
		want float64
	}{
		{"skating", r.Ratios.FootSkating, 18.0 / 15},
		{"velocity", r.Ratios.L2Velocity, 1},
		{"acceleration", r.Ratios.L2Acceleration, 1},
		{"pose change", r.Ratios.MaxPoseChange, 12.4 / 8},
		{"rotation change", r.Ratios.MaxRotationChange, 1},
	}
	for _, c := range checks {
		if c.got == nil || !near(*c.got, c.want, 1e-12) {
			t.Errorf("%s ratio %v, want %.4f", c.name, c.got, c.want)
		}
	}
	if !near(r.Result.PenetrationCM, 2.5, 1e-12) || !near(r.Ratios.PenetrationExcessCM, 2.5, 1e-12) {
		t.Errorf("penetration %.3f (excess %.3f) below ground 1.5, want 2.5", r.Result.PenetrationCM, r.Ratios.PenetrationExcessCM)
	}
	got := r.Check(DefaultLimits())
	if len(got) != 3 {
		t.Errorf("check found %q, want skating, penetration and pose change", got)
	}
	if _, err := json.Marshal(r); err != nil {
		t.Fatal(err)
	}

	still := Metrics{Feet: true}
	if r := Compare(Metrics{Feet: true, FootSkatingCMPerS: 3}, still, still); r.Ratios.FootSkating != nil {
		t.Errorf("skating ratio over still inputs = %v, want undefined", *r.Ratios.FootSkating)
	}
	if r := Compare(still, still); r.Ratios.MaxPoseChange == nil || *r.Ratios.MaxPoseChange != 1 {
		t.Errorf("zero over zero should be 1, got %v", r.Ratios.MaxPoseChange)
	}
}
