package quality

import (
	"errors"
	"fmt"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/mixamo"
)

func TestFootContactsGait(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		scale     float64
		v         float64 // treadmill speed, cm/s
		treadmill Treadmill
		wantFrac  float64 // expected contact fraction per foot
	}{
		{"root motion", 1, 0, TreadmillAuto, 0.5},
		{"in place", 1, 120, TreadmillAuto, 0.5},
		{"in place, 12x scale", 12, 120 * 12, TreadmillAuto, 0.5},
		// Measured in the world frame, an in-place foot is never still: no contacts.
		{"in place, world frame", 1, 120, TreadmillOff, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := legsRig(tt.scale)
			const fps, period = 60.0, 1.0
			c := gaitClip(s, fps, 241, period, 15*tt.scale, tt.v)
			got, err := FootContacts(s, c, ContactOptions{Treadmill: tt.treadmill})
			if err != nil {
				t.Fatal(err)
			}
			l, r := got.Fraction()
			t.Logf("leg %.1f cm, thresholds %.2f cm %.1f cm/s, ground %v, contact %.2f/%.2f, plants L%v R%v",
				got.LegLengthCM, got.Options.HeightCM, got.Options.SpeedCMPerS, got.GroundVelocity, l, r,
				got.LeftPlants, got.RightPlants)
			for side, frac := range []float64{l, r} {
				// Contact extends a little into the swing, where the foot is still low and slow.
				if frac < tt.wantFrac-0.02 || frac > tt.wantFrac+0.12 {
					t.Errorf("side %d: contact fraction %.3f, want about %.2f", side, frac, tt.wantFrac)
				}
			}
			if tt.wantFrac == 0 {
				return
			}
			// Four seconds at one step per foot per second: 4 plants a foot, minus the one
			// already under way at frame 0.
			for side, p := range [][]int{got.LeftPlants, got.RightPlants} {
				if len(p) < 3 || len(p) > 4 {
					t.Errorf("side %d: %d plants %v, want 3 or 4", side, len(p), p)
				}
			}
			if pps := got.PlantsPerSecond(); pps < 1.5 || pps > 2.1 {
				t.Errorf("plants per second %.2f, want about 2", pps)
			}
			// The feet alternate: between two plants of one foot the other foot plants once.
			if err := alternates(got.LeftPlants, got.RightPlants); err != nil {
				t.Error(err)
			}
		})
	}
}

// alternates checks that between consecutive plants of either foot the other foot plants exactly once.
func alternates(left, right []int) error {
	for _, pair := range [][2][]int{{left, right}, {right, left}} {
		a, b := pair[0], pair[1]
		for i := 1; i < len(a); i++ {
			n := 0
			for _, f := range b {
				if f > a[i-1] && f < a[i] {
					n++
				}
			}
			if n != 1 {
				return fmt.Errorf("%d plants of the other foot between frames %d and %d, want 1 (plants %v / %v)", n, a[i-1], a[i], left, right)
			}
		}
	}
	return nil
}

// An in-place walk that speeds up to a run: each stance is measured against its own treadmill,
// so both halves keep their contacts and nothing skates.
func TestFootContactsTreadmillSpeedsUp(t *testing.T) {
	t.Parallel()
	s := legsRig(1)
	speed := func(cycle int) float64 {
		if cycle < 2 {
			return 120
		}
		return 360
	}
	c := gaitClipSpeeds(s, 60, 241, 1, 15, speed)
	m, err := Measure(s, c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("ground %.1f cm/s, contact %.2f/%.2f, %.2f plants/s, skating %.2f cm/s",
		m.GroundVelocityCMPerS, m.LeftContactFraction, m.RightContactFraction, m.PlantsPerSecond, m.FootSkatingCMPerS)
	for half, r := range [][2]int{{0, 60}, {150, 210}} { // a whole cycle at each speed
		for side, in := range [][]bool{m.Series.LeftContact, m.Series.RightContact} {
			if f := fraction(in[r[0]:r[1]]); f < 0.45 || f > 0.62 {
				t.Errorf("half %d side %d: contact %.2f of frames, want about 0.5", half, side, f)
			}
		}
	}
	// Speeds jump where a stance meets its neighbours, at the contact's edges only.
	if m.FootSkatingCMPerS > 5 {
		t.Errorf("skating %.2f cm/s on a clean synthetic gait, want under 5", m.FootSkatingCMPerS)
	}
}

func TestFootContactsErrors(t *testing.T) {
	t.Parallel()
	noFeet := legsRig(1)
	noFeet.Joints[jLFoot].Name = "mixamorig:LeftAnkle"
	tests := []struct {
		name    string
		s       *anim.Skeleton
		c       func(s *anim.Skeleton) *anim.Clip
		field   string
		missing []string
	}{
		{"no left foot", noFeet, func(s *anim.Skeleton) *anim.Clip { return anim.NewClip("x", s, 30, 3) }, "skeleton", []string{"LeftFoot"}},
		{"nil clip", legsRig(1), func(*anim.Skeleton) *anim.Clip { return nil }, "clip", nil},
		{"bad fps", legsRig(1), func(s *anim.Skeleton) *anim.Clip { c := anim.NewClip("x", s, 30, 3); c.FPS = 0; return c }, "clip", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FootContacts(tt.s, tt.c(tt.s), ContactOptions{})
			var ie *InputError
			if !errors.As(err, &ie) || ie.Field != tt.field {
				t.Fatalf("error %v, want *InputError on %q", err, tt.field)
			}
			var mj *mixamo.MissingJointsError
			if tt.missing != nil && (!errors.As(err, &mj) || len(mj.Missing) != 1 || mj.Missing[0] != tt.missing[0]) {
				t.Fatalf("error %v, want missing %v", err, tt.missing)
			}
		})
	}
}

func TestDebounce(t *testing.T) {
	t.Parallel()
	b := func(s string) []bool {
		out := make([]bool, len(s))
		for i := range s {
			out[i] = s[i] == '1'
		}
		return out
	}
	tests := []struct{ in, want string }{
		{"1110111000", "1111111000"}, // a one-frame gap is filled
		{"0001000000", "0000000000"}, // a one-frame contact is dropped
		{"1000000011", "1000000011"}, // runs at the ends stay
		{"0011001100", "0011001100"},
	}
	for _, tt := range tests {
		got := debounce(b(tt.in), 2)
		for i := range got {
			if got[i] != (tt.want[i] == '1') {
				t.Errorf("debounce(%s) = %v, want %s", tt.in, got, tt.want)
				break
			}
		}
	}
}
