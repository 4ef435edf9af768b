package quality

import "testing"

// The transition cost is one number: the handover's score when the inputs were measured,
// else the bridge's.
func TestTransitionMetricsCost(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		m    TransitionMetrics
		want float64
	}{
		{"bridge only", TransitionMetrics{Bridge: Cost{PoseCM: 2, VelocityCMPerS: 10, Score: 3}}, 3},
		{"handover measured", TransitionMetrics{Bridge: Cost{Score: 3}, Handover: &Cost{PoseCM: 1, VelocityCMPerS: 5, Score: 1.5}}, 1.5},
		{"perfect handover", TransitionMetrics{Bridge: Cost{Score: 3}, Handover: &Cost{}}, 0},
	}
	for _, tt := range tests {
		if got := tt.m.Cost(); got != tt.want {
			t.Errorf("%s: Cost() = %v, want %v", tt.name, got, tt.want)
		}
	}
}
