//go:build corpus

package bvh

import (
	"strings"
	"testing"
)

func TestRoundTripCorpus(t *testing.T) {
	t.Parallel()
	src := readCorpus(t)
	a := mustDecode(t, src)
	out := mustEncode(t, a, WriteOptions{})
	b := mustDecode(t, out)
	compareClips(t, a, b, 1e-4, 1e-3)
	if b.Skeleton.Joints[0].Name != "mixamorig:Hips" || b.Source.Prefix != "mixamorig:" {
		t.Errorf("root %q prefix %q", b.Skeleton.Joints[0].Name, b.Source.Prefix)
	}
	for j, jt := range a.Skeleton.Joints {
		if bt := b.Skeleton.Joints[j]; bt.Name != jt.Name || bt.Parent != jt.Parent || bt.Rest.T.Sub(jt.Rest.T).Len() > 1e-6 {
			t.Errorf("joint %d: %+v, want %+v", j, bt, jt)
		}
	}
	ao, bo := a.Skeleton.Origin.(*Origin), b.Skeleton.Origin.(*Origin)
	for name, v := range ao.EndSites {
		if bo.EndSites[name].Sub(v).Len() > 1e-6 {
			t.Errorf("end site of %s: %v, want %v", name, bo.EndSites[name], v)
		}
	}
	// The source lists only the Hips with positions; so does the copy, in Mixamo's channel order.
	if n := strings.Count(string(out), "CHANNELS 6 Xposition Yposition Zposition Zrotation Yrotation Xrotation"); n != 1 {
		t.Errorf("%d joints with position channels, want 1", n)
	}
	t.Logf("source %d bytes, written %d bytes", len(src), len(out))
}
