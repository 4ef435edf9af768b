//go:build judges && corpus

package verify

import (
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/corpus"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/animfile"
)

// judgedSources are corpus files that cover our rigs and readers: X Bot in place at 60 fps,
// the Pirate's 76 bones with root motion, the Mutant's 37, Ch46, a rig without prefix under a
// Null, the BVH and GLB readers, and a GLB of seven clips (the judges check the first).
var judgedSources = []string{
	"kirby-xbot60__Walking_InPlace.fbx",
	"kirby-xbot60__Running_InPlace.fbx",
	"vrm4-pirate76__Walking_rootmotion.fbx",
	"luminoth-mutant37__Breathing_Idle_60fps.fbx",
	"add101-ch46__Walking.fbx",
	"kirby-guy-noprefix__Idle.fbx",
	"bvhpython__test_freebvh_mixamorig.bvh",
	"add101-ch46__walking.glb",
	"threejs-copy__Xbot.glb",
}

// TestWrittenFilesPassJudges reads each source with our readers, writes it as FBX 7400 and 7700,
// GLB and BVH, and has every judge check every file against our model of what was written.
func TestWrittenFilesPassJudges(t *testing.T) {
	dir := t.TempDir()
	var files []File
	for _, src := range judgedSources {
		path := corpus.Path(t, "mixamo/"+src)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		a, err := animfile.Decode(src, data)
		if err != nil {
			t.Fatalf("reading %s: %v", src, err)
		}
		name := strings.ReplaceAll(src, ".", "_")
		for _, out := range Outputs {
			f, err := WriteFile(dir, name, a, out)
			if err != nil {
				// A writer's refusal is its own failure; the other files are still judged.
				t.Errorf("%s as %s: %v", src, out.Name, err)
				continue
			}
			files = append(files, f)
		}
	}
	Judge(t, files)
}

// TestAssxmlParse pins the parts of assimp's XML dump the assimp judge reads.
func TestAssxmlParse(t *testing.T) {
	const dump = `<?xml version="1.0"?>
<ASSIMP format_id="1">
<Scene flags="0" postprocessing="0">
<Node name="RootNode">
	<NodeList num="1">
		<Node name="mixamorig:Hips"></Node>
	</NodeList>
</Node>
<AnimationList num="1">
	<Animation name="mixamo.com" duration="6.100000e+01" tick_cnt="6.000000e+01">
		<NodeAnimList num="1">
			<NodeAnim node="mixamorig:Hips"></NodeAnim>
		</NodeAnimList>
	</Animation>
</AnimationList>
</Scene>
</ASSIMP>`
	r, err := parseAssxml(strings.NewReader(dump))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(r.Nodes, ","); got != "RootNode,mixamorig:Hips" {
		t.Errorf("nodes %q", got)
	}
	if len(r.Animations) != 1 {
		t.Fatalf("%d animations", len(r.Animations))
	}
	a := r.Animations[0]
	if a.Name != "mixamo.com" || a.Seconds() != 61.0/60 || len(a.Channels) != 1 || a.Channels[0] != "mixamorig:Hips" {
		t.Errorf("animation %+v", a)
	}
}

// TestNames pins how each judge spells our joint names.
func TestNames(t *testing.T) {
	tests := []struct{ in, three, bvh string }{
		{"mixamorig:Hips", "mixamorigHips", "mixamorig:Hips"},
		{"Hips", "Hips", "Hips"},
		{"Armature|Left Arm.001", "Armature|Left_Arm001", "Armature|Left_Arm.001"},
		{"a/b[0]", "ab0", "a/b[0]"},
	}
	for _, tt := range tests {
		if got := threeName(tt.in); got != tt.three {
			t.Errorf("threeName(%q) = %q, want %q", tt.in, got, tt.three)
		}
		if got := bvhName(tt.in); got != tt.bvh {
			t.Errorf("bvhName(%q) = %q, want %q", tt.in, got, tt.bvh)
		}
	}
}

// TestJudgesRejectWrongFiles shows the judges are not lenient: each file here differs from the
// animation its Expect describes in one way, and every judge that can see that difference must
// reject the file.
func TestJudgesRejectWrongFiles(t *testing.T) {
	src := "kirby-xbot60__Walking_InPlace.fbx"
	data, err := os.ReadFile(corpus.Path(t, "mixamo/"+src))
	if err != nil {
		t.Fatal(err)
	}
	a, err := animfile.Decode(src, data)
	if err != nil {
		t.Fatal(err)
	}
	want, err := ExpectOf(a)
	if err != nil {
		t.Fatal(err)
	}
	posed := []string{"blender", "three", "fbxsdk", "three-gltf"}
	timed := []string{"blender", "assimp", "three", "fbxsdk", "three-gltf"}
	cases := []struct {
		name   string
		mutate func(*anim.Animation) *anim.Animation
		reject []string // judges that must reject every file of this case
	}{
		{"short", dropFrames(2), timed},
		{"bent", rotateJoint("mixamorig:LeftUpLeg", 20), posed},
		{"renamed", renameJoint("mixamorig:LeftArm", "mixamorig:LeftArmX"), []string{"blender", "assimp", "three", "fbxsdk", "three-gltf"}},
	}
	dir := t.TempDir()
	var files []File
	mustReject := map[string][]string{} // file path -> judges
	for _, c := range cases {
		wrong := c.mutate(a)
		for _, out := range Outputs {
			if out.Name == "fbx7400" {
				continue // one FBX version is enough to show the judges look
			}
			f, err := WriteFile(dir, c.name, wrong, out)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			f.Want = want
			files = append(files, f)
			mustReject[f.Path] = applicable(c.reject, f.Format)
			if f.Text { // Blender does not read ASCII FBX, so it judges none
				mustReject[f.Path] = slices.DeleteFunc(slices.Clone(mustReject[f.Path]), func(j string) bool { return j == "blender" })
			}
		}
	}
	// A GLB cut in half: the validator (and everyone else) must refuse it.
	glb, err := OutputNamed("glb")
	if err != nil {
		t.Fatal(err)
	}
	good, err := WriteFile(dir, "truncated", a, glb)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(good.Path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(good.Path, b[:len(b)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	files = append(files, good)
	mustReject[good.Path] = []string{"blender", "assimp", "three-gltf", "gltf-validator"}

	verdicts, err := RunJudges(files)
	if err != nil {
		t.Fatalf("judges that could not run: %v", err)
	}
	seen := map[string]bool{}
	for _, v := range verdicts {
		for _, j := range mustReject[v.File.Path] {
			if j == v.Judge {
				seen[v.File.Path+" "+j] = true
				if !v.Rejected() {
					t.Errorf("%s accepted %s, which differs from what it was told to expect", v.Judge, label(v.File))
				} else {
					t.Logf("%s rejected %s: %s", v.Judge, label(v.File), firstLines(v.Problems[0], 1))
				}
			}
		}
	}
	for _, f := range files {
		for _, j := range mustReject[f.Path] {
			if !seen[f.Path+" "+j] {
				t.Errorf("%s gave no verdict on %s", j, label(f))
			}
		}
	}
}

// applicable keeps the judges that read a format.
func applicable(judges []string, format string) []string {
	var out []string
	for _, j := range judges {
		for _, k := range judgesFor[format] {
			if j == k {
				out = append(out, j)
			}
		}
	}
	return out
}

// dropFrames returns a mutation that removes the last n frames.
func dropFrames(n int) func(*anim.Animation) *anim.Animation {
	return func(a *anim.Animation) *anim.Animation {
		b := *a
		c := a.Clip().Clone()
		c.Frames -= n
		k := c.Frames * c.NumJoints
		c.Rotations, c.Translations, c.Scales = c.Rotations[:k], c.Translations[:k], c.Scales[:k]
		b.Clips = []*anim.Clip{c}
		return &b
	}
}

// rotateJoint returns a mutation that turns one joint by deg degrees about X in every frame.
func rotateJoint(name string, deg float64) func(*anim.Animation) *anim.Animation {
	return func(a *anim.Animation) *anim.Animation {
		b := *a
		c := a.Clip().Clone()
		j := a.Skeleton.Index(name)
		q := anim.QuatAxisAngle(anim.Vec3{1, 0, 0}, deg*math.Pi/180)
		for f := 0; f < c.Frames; f++ {
			c.Rotations[f*c.NumJoints+j] = c.Rotations[f*c.NumJoints+j].Mul(q)
		}
		b.Clips = []*anim.Clip{c}
		return &b
	}
}

// renameJoint returns a mutation that renames one joint.
func renameJoint(from, to string) func(*anim.Animation) *anim.Animation {
	return func(a *anim.Animation) *anim.Animation {
		b := *a
		s := *a.Skeleton
		s.Joints = append([]anim.Joint(nil), s.Joints...)
		s.Joints[s.Index(from)].Name = to
		s.Origin = nil // the source document's names would otherwise come back
		b.Skeleton = &s
		return &b
	}
}
