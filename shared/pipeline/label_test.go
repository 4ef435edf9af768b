package pipeline_test

import (
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
)

func TestLabel(t *testing.T) {
	t.Parallel()
	srcs := []string{"seed/xbot-65/walking.fbx", "seed/xbot-65/running.fbx"}
	tests := []struct {
		name string
		row  catalog.Row
		want string
	}{
		{"mix", catalog.Row{Kind: catalog.KindBlend, Sources: srcs, Options: `{"method":"mix","ratio":0.3,"sync":"none","foot_lock":true}`}, "mix 0.3 walking+running"},
		{"edit", catalog.Row{Kind: catalog.KindBlend, Sources: srcs[:1], Options: `{"method":"edit","mirror":true,"root_motion":"root"}`}, "edit walking mirror root-motion"},
		{"seed", catalog.Row{Kind: catalog.KindSeed, Sources: srcs}, ""},
		{"options that do not decode", catalog.Row{Kind: catalog.KindBlend, Sources: srcs, Options: `{"method":`}, ""},
		{"options for other inputs", catalog.Row{Kind: catalog.KindBlend, Sources: srcs[:1], Options: `{"method":"mix"}`}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := pipeline.Label(tt.row); got != tt.want {
				t.Errorf("Label = %q, want %q", got, tt.want)
			}
		})
	}
}
