package quality

import (
	"fmt"
	"math"
)

// Report compares a blend's result with its inputs.
type Report struct {
	Result Metrics   `json:"result"`
	Inputs []Metrics `json:"inputs"`
	// GroundCM is the ground the result's penetration was re-measured against: the lowest ankle
	// or toe height of any input (GroundLevel), since a joint, not the sole, is what is tracked.
	GroundCM float64 `json:"ground_cm"`
	Ratios   Ratios  `json:"ratios"`
}

// Ratios relate the result to its inputs. A nil ratio is undefined: the inputs measure zero
// (for example skating on clips with no detected contact) and the result does not.
type Ratios struct {
	// FootSkating is the result's skating over the mean of the inputs'.
	FootSkating *float64 `json:"foot_skating"`
	// L2Velocity and L2Acceleration are over the mean of the inputs'.
	L2Velocity     *float64 `json:"l2_velocity"`
	L2Acceleration *float64 `json:"l2_acceleration"`
	// MaxPoseChange and MaxRotationChange are over the largest of the inputs' own.
	MaxPoseChange     *float64 `json:"max_pose_change"`
	MaxRotationChange *float64 `json:"max_rotation_change"`
	// PenetrationExcessCM is how much deeper than the deepest input the result goes below
	// GroundCM (≤ 0 when it goes no deeper).
	PenetrationExcessCM float64 `json:"penetration_excess_cm"`
}

// Limits are the acceptance thresholds Report.Check applies; zero fields are not checked.
type Limits struct {
	FootSkating   float64 `json:"foot_skating"`    // e.g. 1.1: at most 10% above the inputs' mean
	MaxPoseChange float64 `json:"max_pose_change"` // e.g. 1.5: at most 1.5× the inputs' largest
	PenetrationCM float64 `json:"penetration_cm"`  // largest allowed PenetrationExcessCM
}

// DefaultLimits are the thresholds the pipeline accepts a blend with.
func DefaultLimits() Limits {
	return Limits{FootSkating: 1.1, MaxPoseChange: 1.5, PenetrationCM: 1}
}

// GroundLevel is the lowest ankle or toe height of any of the clips, in cm (0 when none has feet).
func GroundLevel(ms ...Metrics) float64 {
	g, found := math.Inf(1), false
	for _, m := range ms {
		if m.Feet {
			g, found = min(g, m.LowestFootCM), true
		}
	}
	if !found {
		return 0
	}
	return g
}

// Compare builds the report for a blend: the result's metrics beside each input's, and ratios.
func Compare(result Metrics, inputs ...Metrics) Report {
	r := Report{Result: result, Inputs: inputs, GroundCM: GroundLevel(inputs...)}
	if result.Feet {
		r.Result.GroundCM = r.GroundCM
		r.Result.PenetrationCM, r.Result.PenetrationFraction = result.PenetrationAt(r.GroundCM)
	}
	if len(inputs) == 0 {
		return r
	}
	var skate, vel, acc, maxPose, maxRot, deepest float64
	for _, in := range inputs {
		skate += in.FootSkatingCMPerS / float64(len(inputs))
		vel += in.L2VelocityCMPerS / float64(len(inputs))
		acc += in.L2AccelerationCMPerS2 / float64(len(inputs))
		maxPose = max(maxPose, in.MaxPoseChangeCM)
		maxRot = max(maxRot, in.MaxRotationChangeDeg)
		d, _ := in.PenetrationAt(r.GroundCM)
		deepest = max(deepest, d)
	}
	if result.Feet {
		r.Ratios.FootSkating = ratio(result.FootSkatingCMPerS, skate)
		r.Ratios.PenetrationExcessCM = r.Result.PenetrationCM - deepest
	}
	r.Ratios.L2Velocity = ratio(result.L2VelocityCMPerS, vel)
	r.Ratios.L2Acceleration = ratio(result.L2AccelerationCMPerS2, acc)
	r.Ratios.MaxPoseChange = ratio(result.MaxPoseChangeCM, maxPose)
	r.Ratios.MaxRotationChange = ratio(result.MaxRotationChangeDeg, maxRot)
	return r
}

// ratio is a/b, 1 when both are (nearly) zero, nil when only b is.
func ratio(a, b float64) *float64 {
	const tiny = 1e-9
	var v float64
	switch {
	case math.Abs(b) > tiny:
		v = a / b
	case math.Abs(a) <= tiny:
		v = 1
	default:
		return nil
	}
	return &v
}

// Check lists the limits the report exceeds, each as a readable sentence; none means it passes.
func (r Report) Check(l Limits) []string {
	var out []string
	over := func(name string, v *float64, limit float64) {
		switch {
		case limit <= 0:
		case v == nil:
			out = append(out, fmt.Sprintf("%s: result is non-zero where every input is zero", name))
		case *v > limit:
			out = append(out, fmt.Sprintf("%s: %.2f× the inputs, limit %.2f×", name, *v, limit))
		}
	}
	if r.Result.Feet {
		over("foot skating", r.Ratios.FootSkating, l.FootSkating)
		if l.PenetrationCM > 0 && r.Ratios.PenetrationExcessCM > l.PenetrationCM {
			out = append(out, fmt.Sprintf("ground penetration: %.2f cm deeper than the inputs, limit %.2f cm",
				r.Ratios.PenetrationExcessCM, l.PenetrationCM))
		}
	}
	over("max pose change", r.Ratios.MaxPoseChange, l.MaxPoseChange)
	return out
}
