//go:build corpus

package quality_test

import (
	"os"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/corpus"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/blend"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/fbx"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/quality"
)

func load(t *testing.T, name string) *anim.Animation {
	t.Helper()
	data, err := os.ReadFile(corpus.Path(t, "mixamo/"+name))
	if err != nil {
		t.Fatal(err)
	}
	a, err := fbx.Decode(data, fbx.DefaultLimits())
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if a.Clip() == nil {
		t.Fatalf("%s: no clip", name)
	}
	return a
}

func measure(t *testing.T, a *anim.Animation, opt quality.Options) quality.Metrics {
	t.Helper()
	m, err := quality.Measure(a.Skeleton, a.Clip(), opt)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// The X Bot's in-place locomotion: each foot plants once per gait cycle and the feet alternate.
func TestXBotLocomotionContacts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file    string
		minPPS  float64 // plants per second, both feet
		maxPPS  float64
		minFrac float64 // contact fraction per foot
		maxFrac float64
	}{
		// Human walking cadence is 1.6–2.2 steps/s, running 2.5–3.3, sprinting up to 4.5.
		{"kirby-xbot60__Walking_InPlace.fbx", 1.4, 2.6, 0.45, 0.8},
		{"kirby-xbot60__Running_InPlace.fbx", 2.0, 3.6, 0.2, 0.55},
		{"kirby-xbot60__Sprinting_InPlace.fbx", 2.0, 4.6, 0.15, 0.5},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			a := load(t, tt.file)
			c, err := quality.FootContacts(a.Skeleton, a.Clip(), quality.ContactOptions{})
			if err != nil {
				t.Fatal(err)
			}
			m := measure(t, a, quality.Options{})
			l, r := c.Fraction()
			t.Logf("%d frames at %.0f fps; leg %.1f cm; thresholds %.1f cm, %.1f cm/s; ground %.1f cm/s; "+
				"contact L %.2f R %.2f; plants L%v R%v (%.2f/s); skating %.2f cm/s; L2 vel %.1f cm/s, acc %.0f cm/s²; "+
				"max pose change %.2f cm (%s @%d), rotation %.2f°; lowest foot %.2f cm",
				a.Clip().Frames, a.Clip().FPS, c.LegLengthCM, c.Options.HeightCM, c.Options.SpeedCMPerS,
				c.GroundVelocity.Len(), l, r, c.LeftPlants, c.RightPlants, c.PlantsPerSecond(),
				m.FootSkatingCMPerS, m.L2VelocityCMPerS, m.L2AccelerationCMPerS2,
				m.MaxPoseChangeCM, m.MaxPoseChangeJoint, m.MaxPoseChangeFrame, m.MaxRotationChangeDeg, m.LowestFootCM)
			if c.GroundVelocity.Len() < 50 {
				t.Errorf("in-place clip: ground velocity %v cm/s, want a treadmill of walking speed", c.GroundVelocity)
			}
			if pps := c.PlantsPerSecond(); pps < tt.minPPS || pps > tt.maxPPS {
				t.Errorf("%.2f plants/s, want %.1f..%.1f", pps, tt.minPPS, tt.maxPPS)
			}
			for side, f := range []float64{l, r} {
				if f < tt.minFrac || f > tt.maxFrac {
					t.Errorf("side %d in contact %.2f of the time, want %.2f..%.2f", side, f, tt.minFrac, tt.maxFrac)
				}
			}
			if len(c.LeftPlants) == 0 || len(c.RightPlants) == 0 {
				t.Fatal("a foot never plants")
			}
			if d := len(c.LeftPlants) - len(c.RightPlants); d < -1 || d > 1 {
				t.Errorf("%d left plants and %d right: the feet should alternate", len(c.LeftPlants), len(c.RightPlants))
			}
			// Alternation: the plants sorted in time switch feet every time.
			i, k, prev := 0, 0, -1
			for i < len(c.LeftPlants) || k < len(c.RightPlants) {
				foot := 0
				if k < len(c.RightPlants) && (i >= len(c.LeftPlants) || c.RightPlants[k] < c.LeftPlants[i]) {
					foot, k = 1, k+1
				} else {
					i++
				}
				if foot == prev {
					t.Errorf("foot %d plants twice in a row (L%v R%v)", foot, c.LeftPlants, c.RightPlants)
					break
				}
				prev = foot
			}
		})
	}
}

// Acceptance: a walk+run mix at 0.5 skates no more than the inputs' average + 10%. The run's
// stance is half as long as the walk's, so through part of each blended stance one input is
// planted while the other swings; the mix's foot locking holds the planted foot to a steady path.
// Without it (foot_lock false) the mix skates about 1.3× the average, which the report flags.
func TestXBotMixSkating(t *testing.T) {
	t.Parallel()
	walk := load(t, "kirby-xbot60__Walking_InPlace.fbx")
	run := load(t, "kirby-xbot60__Running_InPlace.fbx")
	mw, mr := measure(t, walk, quality.Options{}), measure(t, run, quality.Options{})
	avg := (mw.FootSkatingCMPerS + mr.FootSkatingCMPerS) / 2
	off := false
	tests := []struct {
		name     string
		sync     string
		footLock *bool
		within   bool
	}{
		{"default", "", nil, true},
		{"sync feet", "feet", nil, true},
		{"no foot lock", "", &off, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			half := 0.5
			res, err := blend.Run(blend.Options{Method: "mix", Ratio: &half, Sync: tt.sync, FootLock: tt.footLock}, walk, run)
			if err != nil {
				t.Fatal(err)
			}
			mm := measure(t, res.Animation, quality.Options{})
			rep := quality.Compare(mm, mw, mr)
			t.Logf("skating walk %.2f, run %.2f, mix %.2f cm/s (%.3f× the average); contact frames %d/%d/%d; "+
				"max pose change walk %.2f run %.2f mix %.2f cm; penetration %.2f cm below the inputs' lowest foot",
				mw.FootSkatingCMPerS, mr.FootSkatingCMPerS, mm.FootSkatingCMPerS, *rep.Ratios.FootSkating,
				mw.ContactFrames, mr.ContactFrames, mm.ContactFrames,
				mw.MaxPoseChangeCM, mr.MaxPoseChangeCM, mm.MaxPoseChangeCM, rep.Result.PenetrationCM)
			if mm.ContactFrames == 0 {
				t.Fatal("the mix never touches the ground")
			}
			within := mm.FootSkatingCMPerS <= avg*1.1
			if within != tt.within {
				t.Errorf("mix skates at %.2f cm/s against the inputs' average %.2f: within 10%% is %v, want %v",
					mm.FootSkatingCMPerS, avg, within, tt.within)
			}
			problems := rep.Check(quality.Limits{FootSkating: 1.1})
			if within == (len(problems) > 0) {
				t.Errorf("within the limit: %v, but the report's check says %q", within, problems)
			}
		})
	}
}

func TestXBotTransitionPoseChange(t *testing.T) {
	t.Parallel()
	walk := load(t, "kirby-xbot60__Walking_InPlace.fbx")
	run := load(t, "kirby-xbot60__Running_InPlace.fbx")
	mw, mr := measure(t, walk, quality.Options{}), measure(t, run, quality.Options{})
	res, err := blend.Run(blend.Options{Method: "transition"}, walk, run)
	if err != nil {
		t.Fatal(err)
	}
	tr := res.Transition
	if tr == nil {
		t.Fatal("transition reports no handover")
	}
	w := &quality.Window{Start: tr.StartFrame, End: tr.StartFrame + tr.Frames,
		From: walk.Clip(), FromFrame: tr.StartFrame, To: run.Clip(), ToFrame: tr.BFrame}
	mt := measure(t, res.Animation, quality.Options{Transition: w})
	rep := quality.Compare(mt, mw, mr)
	largest := max(mw.MaxPoseChangeCM, mr.MaxPoseChangeCM)
	t.Logf("handover at %d (run frame %d, %d frames, match distance %.2f): max pose change walk %.2f run %.2f transition %.2f cm "+
		"(@%d %s; ratio %.3f), in window %.2f cm; rotation %.2f° vs %.2f°/%.2f°; handover cost %+v; bridge %+v",
		tr.StartFrame, tr.BFrame, tr.Frames, tr.MatchDistance, mw.MaxPoseChangeCM, mr.MaxPoseChangeCM, mt.MaxPoseChangeCM,
		mt.MaxPoseChangeFrame, mt.MaxPoseChangeJoint, *rep.Ratios.MaxPoseChange, mt.Transition.MaxPoseChangeCM,
		mt.MaxRotationChangeDeg, mw.MaxRotationChangeDeg, mr.MaxRotationChangeDeg, *mt.Transition.Handover, mt.Transition.Bridge)
	t.Logf("skating walk %.2f run %.2f transition %.2f cm/s (ground %.1f cm/s); contact L %.2f R %.2f",
		mw.FootSkatingCMPerS, mr.FootSkatingCMPerS, mt.FootSkatingCMPerS, mt.GroundVelocityCMPerS,
		mt.LeftContactFraction, mt.RightContactFraction)
	if mt.MaxPoseChangeCM > 1.5*largest {
		t.Errorf("transition jumps %.2f cm in a frame, more than 1.5× the inputs' largest %.2f", mt.MaxPoseChangeCM, largest)
	}
}

// Other rigs and kinds of clip: root motion keeps the ground fixed, in-place walks find their
// treadmill, idles stand on both feet, and the 12x-scale character gets thresholds 12 times larger.
// Skating is bounded as a fraction of leg length per second so small and large rigs compare.
func TestCorpusContactsOtherRigs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file         string
		inPlace      bool
		minFrac      float64
		minPPS       float64
		maxPPS       float64
		maxSkateLegs float64 // skating as a fraction of leg length per second
	}{
		{"vrm4-pirate76__Walking_rootmotion.fbx", false, 0.4, 1.2, 2.6, 0.35},
		{"vrm4-pirate76__Walking_Backwards_rootmotion.fbx", false, 0.4, 1.2, 2.6, 0.35},
		{"vrm4-pirate76__Left_Strafe_Walk_rootmotion.fbx", false, 0.3, 1.0, 2.6, 0.35},
		{"add101-ch46__Walking.fbx", true, 0.4, 1.2, 2.6, 0.35},
		{"kirby-xbot60__Idle.fbx", false, 0.9, 0, 0.5, 0.05},
		{"kirby-guy-naeem3d__Idle_bigscale.fbx", false, 0.9, 0, 0.5, 0.05},
		{"vrm4-pirate76__Standing_idle.fbx", false, 0.8, 0, 1, 0.05},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			a := load(t, tt.file)
			m := measure(t, a, quality.Options{})
			t.Logf("%d frames at %.0f fps; leg %.1f cm; ground %.1f cm/s; contact L %.2f R %.2f; %.2f plants/s; "+
				"skating %.2f cm/s; lowest foot %.2f cm; max pose change %.2f cm",
				m.Frames, m.FPS, m.LegLengthCM, m.GroundVelocityCMPerS, m.LeftContactFraction, m.RightContactFraction,
				m.PlantsPerSecond, m.FootSkatingCMPerS, m.LowestFootCM, m.MaxPoseChangeCM)
			if inPlace := m.GroundVelocityCMPerS > 0; inPlace != tt.inPlace {
				t.Errorf("read as in place: %v (ground %.1f cm/s), want %v", inPlace, m.GroundVelocityCMPerS, tt.inPlace)
			}
			if m.LeftContactFraction < tt.minFrac || m.RightContactFraction < tt.minFrac {
				t.Errorf("contact %.2f/%.2f, want at least %.2f", m.LeftContactFraction, m.RightContactFraction, tt.minFrac)
			}
			if m.PlantsPerSecond < tt.minPPS || m.PlantsPerSecond > tt.maxPPS {
				t.Errorf("%.2f plants/s, want %.1f..%.1f", m.PlantsPerSecond, tt.minPPS, tt.maxPPS)
			}
			if lim := tt.maxSkateLegs * m.LegLengthCM; m.FootSkatingCMPerS > lim {
				t.Errorf("skating %.2f cm/s, want at most %.2f", m.FootSkatingCMPerS, lim)
			}
		})
	}
}
