package fbx

import (
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
)

// checkInvariants asserts what every successful Decode guarantees.
func checkInvariants(t testing.TB, name string, a *anim.Animation) {
	t.Helper()
	if a == nil || a.Skeleton == nil {
		t.Fatalf("%s: nil animation or skeleton without an error", name)
	}
	if err := a.Skeleton.Validate(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	for _, j := range a.Skeleton.Joints {
		if !finiteTransform(j.Rest) {
			t.Fatalf("%s: joint %q rest %+v is not finite", name, j.Name, j.Rest)
		}
	}
	for _, c := range a.Clips {
		if err := c.Validate(a.Skeleton); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	if a.Source.Format != "fbx" {
		t.Fatalf("%s: format %q", name, a.Source.Format)
	}
}
