package retarget

import (
	"fmt"
	"slices"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
)

// The engines' published bone lists (see the Profile constants for the sources).
var (
	unityBones = []string{"Hips", "LeftUpperLeg", "RightUpperLeg", "LeftLowerLeg", "RightLowerLeg", "LeftFoot", "RightFoot",
		"Spine", "Chest", "UpperChest", "Neck", "Head", "LeftShoulder", "RightShoulder", "LeftUpperArm", "RightUpperArm",
		"LeftLowerArm", "RightLowerArm", "LeftHand", "RightHand", "LeftToes", "RightToes", "LeftEye", "RightEye", "Jaw"}
	godotBones = []string{"Root", "Hips", "Spine", "Chest", "UpperChest", "Neck", "Head", "Jaw", "LeftEye", "RightEye",
		"LeftShoulder", "LeftUpperArm", "LeftLowerArm", "LeftHand", "RightShoulder", "RightUpperArm", "RightLowerArm", "RightHand",
		"LeftUpperLeg", "LeftLowerLeg", "LeftFoot", "LeftToes", "RightUpperLeg", "RightLowerLeg", "RightFoot", "RightToes"}
	ue5Bones = []string{"root", "pelvis", "spine_01", "spine_02", "spine_03", "spine_04", "spine_05", "neck_01", "neck_02", "head"}
)

func init() {
	for _, side := range []string{"Left", "Right"} {
		for _, f := range []string{"Thumb", "Index", "Middle", "Ring", "Little"} {
			for _, p := range []string{"Proximal", "Intermediate", "Distal"} {
				unityBones = append(unityBones, side+f+p)
			}
		}
		godotBones = append(godotBones, side+"ThumbMetacarpal", side+"ThumbProximal", side+"ThumbDistal")
		for _, f := range []string{"Index", "Middle", "Ring", "Little"} {
			for _, p := range []string{"Proximal", "Intermediate", "Distal"} {
				godotBones = append(godotBones, side+f+p)
			}
		}
	}
	for _, s := range []string{"_l", "_r"} {
		ue5Bones = append(ue5Bones, "clavicle"+s, "upperarm"+s, "lowerarm"+s, "hand"+s, "thigh"+s, "calf"+s, "foot"+s, "ball"+s)
		for _, f := range []string{"thumb", "index", "middle", "ring", "pinky"} {
			for k := 1; k <= 3; k++ {
				ue5Bones = append(ue5Bones, fmt.Sprintf("%s_%02d%s", f, k, s))
			}
			if f != "thumb" {
				ue5Bones = append(ue5Bones, f+"_metacarpal"+s)
			}
		}
	}
}

func TestNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		p         Profile
		in, want  string
		wantFound bool
	}{
		{UE5, "mixamorig:Hips", "pelvis", true},
		{UE5, "mixamorig:Spine2", "spine_05", true},
		{UE5, "LeftUpLeg", "thigh_l", true},
		{UE5, "mixamorig:RightToeBase", "ball_r", true},
		{UE5, "mixamorig:LeftShoulder", "clavicle_l", true},
		{UE5, "mixamorig:RightHandPinky3", "pinky_03_r", true},
		{UE5, "mixamorig:HeadTop_End", "", false},
		{UE5, "mixamorig:LeftHandIndex4", "", false},
		{Unity, "mixamorig:Spine1", "Chest", true},
		{Unity, "mixamorig:LeftForeArm", "LeftLowerArm", true},
		{Unity, "mixamorig:LeftHandThumb1", "LeftThumbProximal", true},
		{Unity, "mixamorig:RightHandPinky2", "RightLittleIntermediate", true},
		{Unity, "mixamorig:LeftEye", "LeftEye", true},
		{Godot, "mixamorig:LeftHandThumb1", "LeftThumbMetacarpal", true},
		{Godot, "mixamorig:LeftHandThumb3", "LeftThumbDistal", true},
		{Godot, "mixamorig:RightToeBase", "RightToes", true},
		{Godot, "mixamorig:RightToe_End", "", false},
		{Mixamo, "Hips", "mixamorig:Hips", true},
	}
	for _, tt := range tests {
		got, ok := Name(tt.p, tt.in)
		if got != tt.want || ok != tt.wantFound {
			t.Errorf("Name(%s, %q) = %q, %v; want %q, %v", tt.p, tt.in, got, ok, tt.want, tt.wantFound)
		}
	}
}

// TestNamesAreTheEnginesOwn holds every name a profile writes to the engine's published list,
// and each to one Mixamo joint.
func TestNamesAreTheEnginesOwn(t *testing.T) {
	t.Parallel()
	for p, list := range map[Profile][]string{UE5: ue5Bones, Unity: unityBones, Godot: godotBones} {
		seen := map[string]string{}
		for mx, n := range table(p) {
			if !slices.Contains(list, n) {
				t.Errorf("%s: %s maps to %q, not a bone of the profile", p, mx, n)
			}
			if o, dup := seen[n]; dup {
				t.Errorf("%s: %s and %s both map to %q", p, o, mx, n)
			}
			seen[n] = mx
			if back, ok := MixamoName(p, n); !ok || back != mx {
				t.Errorf("%s: %q maps back to %q, %v; want %s", p, n, back, ok, mx)
			}
		}
	}
}

func TestRenameRoundTrip(t *testing.T) {
	t.Parallel()
	s := genRig(xbotShape)
	a := &anim.Animation{Skeleton: s, Clips: []*anim.Clip{walkClip(s, 1, 30, 100)}}
	for _, p := range []Profile{UE5, Unity, Godot} {
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
			if got := Detect(jointNames(r.Skeleton)); got != p {
				t.Errorf("renamed skeleton detected as %s", got)
			}
			if r.Clip() != a.Clip() || len(r.Skeleton.Joints) != len(s.Joints) {
				t.Error("rename changed the clip or the joint count")
			}
			if s.Joints[0].Name != "mixamorig:Hips" {
				t.Error("rename changed its input")
			}
			back, rep2, err := Rename(r, Mixamo)
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
	if _, _, err := Rename(&anim.Animation{}, UE5); err == nil {
		t.Error("animation without skeleton accepted")
	}
	dup := *s
	dup.Joints = append([]anim.Joint(nil), s.Joints...)
	dup.Joints[1].Name = "pelvis" // Spine spelled as UE5's Hips: two joints would be pelvis
	_, _, err := Rename(&anim.Animation{Skeleton: &dup}, UE5)
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
