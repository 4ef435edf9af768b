//go:build corpus

package bvh

import (
	"bytes"
	"errors"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
)

func TestDecodeCorpus(t *testing.T) {
	t.Parallel()
	a := mustDecode(t, readCorpus(t))
	s, c := a.Skeleton, a.Clip()
	if len(s.Joints) != 55 {
		t.Errorf("joints: got %d, want 55", len(s.Joints))
	}
	if c.Frames != 69 || c.FPS != 30 {
		t.Errorf("frames %d at %v fps, want 69 at 30", c.Frames, c.FPS)
	}
	if s.Joints[0].Name != "mixamorig:Hips" || s.Joints[0].Parent != -1 {
		t.Errorf("root %q parent %d", s.Joints[0].Name, s.Joints[0].Parent)
	}
	want := anim.SourceInfo{Format: "bvh", UnitScale: 1, UpAxis: "Y", Prefix: "mixamorig:"}
	if a.Source.Format != want.Format || a.Source.UnitScale != 1 || a.Source.UpAxis != "Y" || a.Source.Prefix != want.Prefix {
		t.Errorf("source %+v, want %+v", a.Source, want)
	}
	// Values as the file writes them: Hips channels "Xposition Yposition Zposition Zrotation
	// Yrotation Xrotation" on frame 0 hold -0.2399 98.2948 -0.5224 3.8145 5.7945 -9.2380.
	if got := c.Translations[0]; got != (anim.Vec3{-0.2399, 98.2948, -0.5224}) {
		t.Errorf("hips translation %v", got)
	}
	m := axisMat(2, 3.8145).mul(axisMat(1, 5.7945)).mul(axisMat(0, -9.2380))
	if d := matDiff(m, c.Rotations[0].Matrix3()); d > 1e-12 {
		t.Errorf("hips rotation differs from Rz·Ry·Rx by %g", d)
	}
	spine := s.Index("mixamorig:Spine")
	if spine != 1 || s.Joints[spine].Rest.T != (anim.Vec3{0, 9.9235, -1.2273}) || s.Joints[spine].Rest.R != anim.QuatIdentity {
		t.Errorf("spine %d rest %+v", spine, s.Joints[spine].Rest)
	}
	if s.Joints[spine].RotationOrder != anim.OrderXYZ { // listed Z Y X: X applies first
		t.Errorf("spine order %v", s.Joints[spine].RotationOrder)
	}
	o, ok := s.Origin.(*Origin)
	if !ok || len(o.EndSites) != 15 {
		t.Fatalf("origin %#v, want 15 end sites", s.Origin)
	}
	for name := range o.EndSites {
		if s.Index(name) < 0 {
			t.Errorf("end site of unknown joint %q", name)
		}
	}
}

func TestDecodeTruncatedCorpus(t *testing.T) {
	t.Parallel()
	data := readCorpus(t)
	starts := tokenStarts(data)
	for i := 1; i < len(starts); i += 37 {
		p := starts[i]
		_, err := Decode(bytes.NewReader(data[:p]), DefaultLimits())
		if !errors.Is(err, ErrSyntax) {
			t.Fatalf("cut at byte %d: got %v, want ErrSyntax", p, err)
		}
	}
}
