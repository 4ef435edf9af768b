package mixamo

import (
	"errors"
	"testing"
)

func TestSplit(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, prefix, joint string }{
		{"mixamorig:Hips", "mixamorig:", "Hips"},
		{"mixamorig1:LeftArm", "mixamorig1:", "LeftArm"},
		{"mixamorig12:Head", "mixamorig12:", "Head"},
		{"mixamorig_Spine1", "mixamorig_", "Spine1"},
		{"mixamorigHips", "mixamorig", "Hips"},
		{"Hips", "", "Hips"},
		{"Armature|Hips", "Armature|", "Hips"},
		{"mixamorig", "", "mixamorig"},
		{"HeadTop_End", "", "HeadTop_End"},
	}
	for _, tt := range tests {
		p, j := Split(tt.in)
		if p != tt.prefix || j != tt.joint {
			t.Errorf("Split(%q) = %q, %q; want %q, %q", tt.in, p, j, tt.prefix, tt.joint)
		}
	}
}

func TestDetectPrefix(t *testing.T) {
	t.Parallel()
	if got := DetectPrefix([]string{"mixamorig:Hips", "mixamorig:Spine", "Extra"}); got != "mixamorig:" {
		t.Errorf("got %q", got)
	}
	if got := DetectPrefix([]string{"Hips", "Spine"}); got != "" {
		t.Errorf("got %q", got)
	}
}

func TestCheckHumanoid(t *testing.T) {
	t.Parallel()
	full := make([]string, 0, len(humanoid))
	for _, h := range humanoid {
		full = append(full, "mixamorig:"+h)
	}
	if err := CheckHumanoid(full); err != nil {
		t.Fatalf("full rig: %v", err)
	}
	err := CheckHumanoid(full[1:])
	var me *MissingJointsError
	if !errors.As(err, &me) || len(me.Missing) != 1 || me.Missing[0] != "Hips" {
		t.Fatalf("want missing Hips, got %v", err)
	}
}
