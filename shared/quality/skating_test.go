package quality

import (
	"math"
	"testing"
)

// Skating must agree with Measure exactly: it is the same analysis on fewer joints.
func TestSkatingMatchesMeasure(t *testing.T) {
	t.Parallel()
	s := legsRig(1)
	for _, tt := range []struct {
		name string
		v    float64
	}{
		{"in place walk", 80},
		{"planted", 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := gaitClip(s, 60, 121, 1, 12, tt.v)
			m, err := Measure(s, c, Options{})
			if err != nil {
				t.Fatal(err)
			}
			sk, con, err := Skating(s, c, ContactOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(sk-m.FootSkatingCMPerS) > 1e-9 {
				t.Errorf("Skating %v, Measure %v", sk, m.FootSkatingCMPerS)
			}
			if len(con.Left) != c.Frames || m.ContactFrames == 0 {
				t.Errorf("contacts for %d frames, want %d; %d contact frames", len(con.Left), c.Frames, m.ContactFrames)
			}
		})
	}
}
