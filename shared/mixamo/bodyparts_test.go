package mixamo

import (
	"fmt"
	"sort"
	"testing"
)

// xbot returns the X Bot's 65 joint names (with the "mixamorig:" prefix) and parents.
func xbot() (names []string, parents []int) {
	add := func(n string, p int) int {
		names, parents = append(names, "mixamorig:"+n), append(parents, p)
		return len(names) - 1
	}
	hips := add("Hips", -1)
	p := hips
	var spine2 int
	for _, n := range []string{"Spine", "Spine1", "Spine2", "Neck", "Head", "HeadTop_End"} {
		p = add(n, p)
		if n == "Spine2" {
			spine2 = p
		}
	}
	for _, side := range []string{"Left", "Right"} {
		p := spine2
		for _, n := range []string{"Shoulder", "Arm", "ForeArm", "Hand"} {
			p = add(side+n, p)
		}
		hand := p
		for _, f := range []string{"Thumb", "Index", "Middle", "Ring", "Pinky"} {
			q := hand
			for k := 1; k <= 4; k++ {
				q = add(fmt.Sprintf("%sHand%s%d", side, f, k), q)
			}
		}
	}
	for _, side := range []string{"Left", "Right"} {
		p := hips
		for _, n := range []string{"UpLeg", "Leg", "Foot", "ToeBase", "Toe_End"} {
			p = add(side+n, p)
		}
	}
	return names, parents
}

func members(t *testing.T, preset string) []string {
	t.Helper()
	names, parents := xbot()
	p, ok := LookupBodyPart(preset)
	if !ok {
		t.Fatalf("no preset %q", preset)
	}
	mask, missing := p.Mask(names, parents)
	if len(missing) > 0 {
		t.Fatalf("%s: X Bot lacks %v", preset, missing)
	}
	var out []string
	for i, in := range mask {
		if in {
			out = append(out, Normalize(names[i]))
		}
	}
	sort.Strings(out)
	return out
}

func TestBodyPartPresets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		preset    string
		count     int
		has, hasn []string
	}{
		{"upper_body", 54, []string{"Spine", "Spine2", "Head", "LeftShoulder", "RightHandPinky4"}, []string{"Hips", "LeftUpLeg", "RightToe_End"}},
		{"lower_body", 11, []string{"Hips", "LeftUpLeg", "RightFoot", "LeftToe_End"}, []string{"Spine", "LeftArm"}},
		{"left_arm", 24, []string{"LeftShoulder", "LeftHand", "LeftHandThumb1"}, []string{"RightArm", "Spine2"}},
		{"right_arm", 24, []string{"RightShoulder", "RightForeArm"}, []string{"LeftArm"}},
		{"head", 3, []string{"Neck", "Head", "HeadTop_End"}, []string{"Spine2"}},
		{"spine", 3, []string{"Spine", "Spine1", "Spine2"}, []string{"Neck", "Hips"}},
	}
	for _, tt := range tests {
		got := members(t, tt.preset)
		set := map[string]bool{}
		for _, n := range got {
			set[n] = true
		}
		if len(got) != tt.count {
			t.Errorf("%s: %d joints, want %d: %v", tt.preset, len(got), tt.count, got)
		}
		for _, n := range tt.has {
			if !set[n] {
				t.Errorf("%s lacks %s", tt.preset, n)
			}
		}
		for _, n := range tt.hasn {
			if set[n] {
				t.Errorf("%s includes %s", tt.preset, n)
			}
		}
	}
	// upper_body and lower_body split the rig with no overlap.
	if u, l := members(t, "upper_body"), members(t, "lower_body"); len(u)+len(l) != 65 {
		t.Errorf("upper %d + lower %d joints, want 65", len(u), len(l))
	}
}

func TestBodyPartLookupAndMissing(t *testing.T) {
	t.Parallel()
	for _, n := range []string{"Upper-Body", " head ", "LEFT_ARM"} {
		if _, ok := LookupBodyPart(n); !ok {
			t.Errorf("LookupBodyPart(%q) failed", n)
		}
	}
	if _, ok := LookupBodyPart("tail"); ok {
		t.Error("unknown preset found")
	}
	for _, n := range BodyPartNames() {
		if _, ok := LookupBodyPart(n); !ok {
			t.Errorf("listed preset %q not found", n)
		}
	}
	// A rig without fingers or a neck: the head preset reports Neck missing.
	p, _ := LookupBodyPart("head")
	mask, missing := p.Mask([]string{"Hips", "Spine", "Head"}, []int{-1, 0, 1})
	if len(missing) != 1 || missing[0] != "Neck" || mask[2] {
		t.Errorf("mask %v missing %v", mask, missing)
	}
}
