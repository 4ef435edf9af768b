package retarget

import (
	"slices"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/mixamo"
)

func TestRenameRoundTrip(t *testing.T) {
	t.Parallel()
	s := genRig(xbotShape)
	a := &anim.Animation{Skeleton: s, Clips: []*anim.Clip{walkClip(s, 1, 30, 100)}}
	for _, p := range []mixamo.Profile{mixamo.ProfileUE5, mixamo.ProfileUnity, mixamo.ProfileGodot} {
		t.Run(string(p), func(t *testing.T) {
			t.Parallel()
			r, rep, err := Rename(a, p)
			if err != nil {
				t.Fatal(err)
			}
			// HeadTop_End, both Toe_End and the ten fourth finger joints have no engine bone.
			if rep.Renamed != 52 || len(rep.Unmapped) != 13 || !slices.Contains(rep.Unmapped, "mixamorig:HeadTop_End") {
				t.Errorf("report %+v", rep)
			}
			if got := mixamo.Detect(jointNames(r.Skeleton)); got != p {
				t.Errorf("renamed skeleton detected as %s", got)
			}
			if r.Clip() != a.Clip() || len(r.Skeleton.Joints) != len(s.Joints) {
				t.Error("rename changed the clip or the joint count")
			}
			if s.Joints[0].Name != "mixamorig:Hips" {
				t.Error("rename changed its input")
			}
			back, rep2, err := Rename(r, mixamo.ProfileMixamo)
			if err != nil {
				t.Fatal(err)
			}
			if rep2.Renamed != 65 || len(rep2.Unmapped) != 0 {
				t.Errorf("back: report %+v", rep2)
			}
			if got, want := jointNames(back.Skeleton), jointNames(s); !slices.Equal(got, want) {
				t.Errorf("back: names %v, want %v", got, want)
			}
		})
	}
}

func TestRenameErrors(t *testing.T) {
	t.Parallel()
	s := genRig(xbotShape)
	a := &anim.Animation{Skeleton: s}
	if _, _, err := Rename(a, "maya"); err == nil {
		t.Error("unknown profile accepted")
	}
	if _, _, err := Rename(&anim.Animation{}, mixamo.ProfileUE5); err == nil {
		t.Error("animation without skeleton accepted")
	}
	dup := *s
	dup.Joints = append([]anim.Joint(nil), s.Joints...)
	dup.Joints[1].Name = "pelvis" // Spine spelled as UE5's Hips: two joints would be pelvis
	_, _, err := Rename(&anim.Animation{Skeleton: &dup}, mixamo.ProfileUE5)
	if err == nil {
		t.Fatal("two joints of one name accepted")
	}
	t.Log(err)
}

func jointNames(s *anim.Skeleton) []string {
	out := make([]string, len(s.Joints))
	for i, j := range s.Joints {
		out[i] = j.Name
	}
	return out
}

func BenchmarkRename(b *testing.B) {
	s := genRig(xbotShape)
	for _, sec := range []float64{1, 10} {
		a := &anim.Animation{Skeleton: s, Clips: []*anim.Clip{walkClip(s, sec, 30, 100)}}
		b.Run(map[float64]string{1: "1s", 10: "10s"}[sec], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := Rename(a, mixamo.ProfileUE5); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
