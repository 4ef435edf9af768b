package mixamo

import (
	"fmt"
	"slices"
	"testing"
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

func TestProfileNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		p         Profile
		in, want  string
		wantFound bool
	}{
		{ProfileUE5, "mixamorig:Hips", "pelvis", true},
		{ProfileUE5, "mixamorig:Spine2", "spine_05", true},
		{ProfileUE5, "LeftUpLeg", "thigh_l", true},
		{ProfileUE5, "mixamorig:RightToeBase", "ball_r", true},
		{ProfileUE5, "mixamorig:LeftShoulder", "clavicle_l", true},
		{ProfileUE5, "mixamorig:RightHandPinky3", "pinky_03_r", true},
		{ProfileUE5, "mixamorig:HeadTop_End", "", false},
		{ProfileUE5, "mixamorig:LeftHandIndex4", "", false},
		{ProfileUnity, "mixamorig:Spine1", "Chest", true},
		{ProfileUnity, "mixamorig:LeftForeArm", "LeftLowerArm", true},
		{ProfileUnity, "mixamorig:LeftHandThumb1", "LeftThumbProximal", true},
		{ProfileUnity, "mixamorig:RightHandPinky2", "RightLittleIntermediate", true},
		{ProfileUnity, "mixamorig:LeftEye", "LeftEye", true},
		{ProfileGodot, "mixamorig:LeftHandThumb1", "LeftThumbMetacarpal", true},
		{ProfileGodot, "mixamorig:LeftHandThumb3", "LeftThumbDistal", true},
		{ProfileGodot, "mixamorig:RightToeBase", "RightToes", true},
		{ProfileGodot, "mixamorig:RightToe_End", "", false},
		{ProfileMixamo, "Hips", "mixamorig:Hips", true},
	}
	for _, tt := range tests {
		got, ok := ProfileName(tt.p, tt.in)
		if got != tt.want || ok != tt.wantFound {
			t.Errorf("ProfileName(%s, %q) = %q, %v; want %q, %v", tt.p, tt.in, got, ok, tt.want, tt.wantFound)
		}
	}
}

// TestNamesAreTheEnginesOwn holds every name a profile writes to the engine's published list,
// and each to one Mixamo joint.
func TestNamesAreTheEnginesOwn(t *testing.T) {
	t.Parallel()
	for p, list := range map[Profile][]string{ProfileUE5: ue5Bones, ProfileUnity: unityBones, ProfileGodot: godotBones} {
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
