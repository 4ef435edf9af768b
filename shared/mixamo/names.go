// Package mixamo holds the conventions of Mixamo rigs: bone-name spellings, the humanoid
// joints a clip must have, and body-part groups.
package mixamo

import (
	"fmt"
	"strings"
)

// Split separates a bone name into its Mixamo prefix and the canonical joint name.
// It recognises "mixamorig:Hips", "mixamorig1:Hips", "mixamorig_Hips", "mixamorigHips" and a
// bare "Hips"; any other namespace ("Armature|Hips", "Character1:Hips") is also stripped.
func Split(name string) (prefix, joint string) {
	lower := strings.ToLower(name)
	if strings.HasPrefix(lower, "mixamorig") {
		rest := name[len("mixamorig"):]
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		switch {
		case i < len(rest) && (rest[i] == ':' || rest[i] == '_'):
			return name[:len("mixamorig")+i+1], rest[i+1:]
		case i < len(rest) && rest[i] >= 'A' && rest[i] <= 'Z':
			return name[:len("mixamorig")+i], rest[i:]
		}
	}
	if k := strings.LastIndexAny(name, ":|"); k >= 0 && k < len(name)-1 {
		return name[:k+1], name[k+1:]
	}
	return "", name
}

// Normalize returns the canonical joint name (e.g. "Hips") for any Mixamo spelling.
func Normalize(name string) string {
	_, j := Split(name)
	return j
}

// DetectPrefix returns the prefix most joint names carry ("mixamorig:", "mixamorig1:", ...),
// or "" when most have none.
func DetectPrefix(names []string) string {
	counts := map[string]int{}
	for _, n := range names {
		p, _ := Split(n)
		counts[p]++
	}
	best, bestN := "", 0
	for p, n := range counts {
		if n > bestN || (n == bestN && p < best) {
			best, bestN = p, n
		}
	}
	return best
}

// Humanoid lists the joints (canonical names) a clip needs to count as a Mixamo humanoid.
var humanoid = []string{
	"Hips", "Spine", "Head",
	"LeftArm", "LeftForeArm", "LeftHand",
	"RightArm", "RightForeArm", "RightHand",
	"LeftUpLeg", "LeftLeg", "LeftFoot",
	"RightUpLeg", "RightLeg", "RightFoot",
}

// HumanoidJoints returns the canonical names a Mixamo humanoid must have.
func HumanoidJoints() []string { return append([]string(nil), humanoid...) }

// MissingJointsError reports the humanoid joints a rig lacks.
type MissingJointsError struct{ Missing []string }

func (e *MissingJointsError) Error() string {
	return fmt.Sprintf("not a Mixamo humanoid: missing joints %s", strings.Join(e.Missing, ", "))
}

// CheckHumanoid returns a *MissingJointsError unless names (any spelling) cover every humanoid joint.
func CheckHumanoid(names []string) error {
	have := make(map[string]bool, len(names))
	for _, n := range names {
		have[Normalize(n)] = true
	}
	var missing []string
	for _, h := range humanoid {
		if !have[h] {
			missing = append(missing, h)
		}
	}
	if len(missing) > 0 {
		return &MissingJointsError{Missing: missing}
	}
	return nil
}
