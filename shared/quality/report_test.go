package quality

import "testing"

// The same motion on a character twice the size: lengths and speeds double, so the ratios of
// a result measured at that size to the scaled input are those of the input to itself.
func TestMetricsScaled(t *testing.T) {
	t.Parallel()
	m := Metrics{Feet: true, FootSkatingCMPerS: 3, L2VelocityCMPerS: 100, L2AccelerationCMPerS2: 900, MaxPoseChangeCM: 4,
		MaxRotationChangeDeg: 12, LegLengthCM: 80, LowestFootCM: 1, ContactFrames: 20, LeftContactFraction: 0.5,
		Series: Series{PoseChangeCM: []float64{0, 1, 2}, RotationChangeDeg: []float64{0, 5, 6}}}
	s := m.Scaled(2)
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"skating", s.FootSkatingCMPerS, 6}, {"velocity", s.L2VelocityCMPerS, 200}, {"acceleration", s.L2AccelerationCMPerS2, 1800},
		{"pose change", s.MaxPoseChangeCM, 8}, {"leg", s.LegLengthCM, 160}, {"lowest foot", s.LowestFootCM, 2},
		{"rotation change (an angle)", s.MaxRotationChangeDeg, 12}, {"contact fraction", s.LeftContactFraction, 0.5},
		{"contact frames (a count)", float64(s.ContactFrames), 20}, {"series pose change", s.Series.PoseChangeCM[2], 4},
		{"series rotation change", s.Series.RotationChangeDeg[2], 6},
	} {
		if c.got != c.want {
			t.Errorf("%s: %v, want %v", c.name, c.got, c.want)
		}
	}
	if m.FootSkatingCMPerS != 3 || m.Series.PoseChangeCM[2] != 2 {
		t.Errorf("Scaled changed its receiver: skating %v, pose change series %v", m.FootSkatingCMPerS, m.Series.PoseChangeCM)
	}
}
