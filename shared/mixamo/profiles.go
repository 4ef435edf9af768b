package mixamo

import (
	"fmt"
	"strings"
)

// Profile names a skeleton naming convention: Mixamo's own, or an engine's humanoid skeleton
// that Mixamo joints map onto.
type Profile string

// The profiles. Their bone names follow the engines' own lists:
//   - UE5: the Unreal Engine 5 Mannequin skeleton (SK_Mannequin of Manny and Quinn): root,
//     pelvis, spine_01..spine_05, neck_01, neck_02, head, clavicle_l, upperarm_l, lowerarm_l,
//     hand_l, thumb_01_l..thumb_03_l, index_metacarpal_l, index_01_l..index_03_l (and middle,
//     ring, pinky), thigh_l, calf_l, foot_l, ball_l, and _r for the right side.
//   - Unity: the HumanBodyBones enumeration
//     (https://docs.unity3d.com/ScriptReference/HumanBodyBones.html).
//   - Godot: SkeletonProfileHumanoid (56 bones in the current documentation)
//     (https://docs.godotengine.org/en/stable/classes/class_skeletonprofilehumanoid.html).
const (
	ProfileMixamo Profile = "mixamo"
	ProfileUE5    Profile = "ue5"
	ProfileUnity  Profile = "unity"
	ProfileGodot  Profile = "godot"
)

// Profiles lists every profile, in the order messages list them.
func Profiles() []Profile { return []Profile{ProfileMixamo, ProfileUE5, ProfileUnity, ProfileGodot} }

// ParseProfile resolves a profile name (case-insensitive; "unreal" and "ue" for UE5). It
// returns "" and false for an unknown name.
func ParseProfile(name string) (Profile, bool) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "mixamo":
		return ProfileMixamo, true
	case "ue5", "ue", "unreal", "unreal5":
		return ProfileUE5, true
	case "unity", "humanoid":
		return ProfileUnity, true
	case "godot":
		return ProfileGodot, true
	}
	return "", false
}

// ProfileNames returns the profile names joined for a message: "mixamo, ue5, unity or godot".
func ProfileNames() string {
	p := Profiles()
	s := make([]string, len(p))
	for i, x := range p {
		s[i] = string(x)
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// mixamoPrefix is the prefix ProfileName writes on Mixamo names, as Mixamo's own downloads spell them.
const mixamoPrefix = "mixamorig:"

// MixamoPrefix is the prefix ProfileName gives Mixamo joint names.
const MixamoPrefix = mixamoPrefix

// sides yields the Mixamo side word with each profile's spelling of it.
var sides = [2]struct{ mixamo, ue, unity string }{
	{"Left", "_l", "Left"},
	{"Right", "_r", "Right"},
}

// table returns the profile's names for the canonical Mixamo joints it has; Mixamo joints it
// lacks (HeadTop_End, the *_End and *4 leaf joints, and others) are absent.
func table(p Profile) map[string]string {
	m := map[string]string{}
	switch p {
	case ProfileUE5:
		// Mixamo's three spine joints spread over the Mannequin's five so that Spine2 keeps
		// its children: the neck and clavicles hang from spine_05 on the Mannequin.
		m["Hips"], m["Spine"], m["Spine1"], m["Spine2"] = "pelvis", "spine_01", "spine_03", "spine_05"
		m["Neck"], m["Head"] = "neck_01", "head"
		for _, s := range sides {
			m[s.mixamo+"Shoulder"] = "clavicle" + s.ue
			m[s.mixamo+"Arm"] = "upperarm" + s.ue
			m[s.mixamo+"ForeArm"] = "lowerarm" + s.ue
			m[s.mixamo+"Hand"] = "hand" + s.ue
			m[s.mixamo+"UpLeg"] = "thigh" + s.ue
			m[s.mixamo+"Leg"] = "calf" + s.ue
			m[s.mixamo+"Foot"] = "foot" + s.ue
			m[s.mixamo+"ToeBase"] = "ball" + s.ue
			// Mixamo has no metacarpals: its first finger joint is the Mannequin's _01.
			for _, f := range [...]struct{ mixamo, ue string }{
				{"Thumb", "thumb"}, {"Index", "index"}, {"Middle", "middle"}, {"Ring", "ring"}, {"Pinky", "pinky"},
			} {
				for k := 1; k <= 3; k++ {
					m[fmt.Sprintf("%sHand%s%d", s.mixamo, f.mixamo, k)] = fmt.Sprintf("%s_%02d%s", f.ue, k, s.ue)
				}
			}
		}
	case ProfileUnity, ProfileGodot:
		m["Hips"], m["Spine"], m["Spine1"], m["Spine2"] = "Hips", "Spine", "Chest", "UpperChest"
		m["Neck"], m["Head"] = "Neck", "Head"
		thumb := [3]string{"Proximal", "Intermediate", "Distal"}
		if p == ProfileGodot {
			// Godot counts the thumb from its metacarpal, as Mixamo's Thumb1 sits at the palm.
			thumb = [3]string{"Metacarpal", "Proximal", "Distal"}
		}
		for _, s := range sides {
			side := s.unity
			m[s.mixamo+"Shoulder"] = side + "Shoulder"
			m[s.mixamo+"Arm"] = side + "UpperArm"
			m[s.mixamo+"ForeArm"] = side + "LowerArm"
			m[s.mixamo+"Hand"] = side + "Hand"
			m[s.mixamo+"UpLeg"] = side + "UpperLeg"
			m[s.mixamo+"Leg"] = side + "LowerLeg"
			m[s.mixamo+"Foot"] = side + "Foot"
			m[s.mixamo+"ToeBase"] = side + "Toes"
			m[s.mixamo+"Eye"] = side + "Eye"
			for k := 1; k <= 3; k++ {
				m[fmt.Sprintf("%sHandThumb%d", s.mixamo, k)] = side + "Thumb" + thumb[k-1]
			}
			for _, f := range [...]struct{ mixamo, eng string }{
				{"Index", "Index"}, {"Middle", "Middle"}, {"Ring", "Ring"}, {"Pinky", "Little"},
			} {
				for k, part := range [3]string{"Proximal", "Intermediate", "Distal"} {
					m[fmt.Sprintf("%sHand%s%d", s.mixamo, f.mixamo, k+1)] = side + f.eng + part
				}
			}
		}
	}
	return m
}

// ProfileName returns the profile's name for a Mixamo joint (any Mixamo spelling), and false when the
// profile has no such bone.
func ProfileName(p Profile, mixamoJoint string) (string, bool) {
	j := Normalize(mixamoJoint)
	if p == ProfileMixamo {
		return mixamoPrefix + j, true
	}
	n, ok := table(p)[j]
	return n, ok
}

// MixamoName returns the canonical Mixamo joint for a bone named in profile from (for
// Mixamo, any Mixamo spelling), and false when the profile has no such bone.
func MixamoName(from Profile, bone string) (string, bool) {
	if from == ProfileMixamo {
		j := Normalize(bone)
		if isMixamoJoint(j) || isMixamoLeaf(j) {
			return j, true
		}
		return "", false
	}
	for mx, n := range table(from) {
		if n == bone {
			return mx, true
		}
	}
	return "", false
}

// Detect returns the profile that names the most of these bones. Unity and Godot share most
// names and differ at the thumbs, so a tie between them goes to the one whose thumb names
// appear.
func Detect(names []string) Profile {
	best, bestN := ProfileMixamo, -1
	for _, p := range Profiles() {
		known := map[string]bool{}
		if p != ProfileMixamo {
			for _, n := range table(p) {
				known[n] = true
			}
		}
		n := 0
		for _, b := range names {
			if p == ProfileMixamo {
				if _, ok := MixamoName(p, b); ok {
					n++
				}
			} else if known[b] {
				n++
			}
		}
		if n > bestN {
			best, bestN = p, n
		}
	}
	if best == ProfileUnity || best == ProfileGodot {
		for _, b := range names {
			if strings.HasSuffix(b, "ThumbMetacarpal") {
				return ProfileGodot
			}
			if strings.HasSuffix(b, "ThumbIntermediate") {
				return ProfileUnity
			}
		}
	}
	return best
}

// isMixamoJoint reports whether j is a canonical Mixamo joint some engine profile names (the
// Unity profile names them all).
func isMixamoJoint(j string) bool {
	switch j {
	case "Hips", "Spine", "Spine1", "Spine2", "Neck", "Head":
		return true
	}
	side, rest := "", ""
	if r, ok := strings.CutPrefix(j, "Left"); ok {
		side, rest = "Left", r
	} else if r, ok := strings.CutPrefix(j, "Right"); ok {
		side, rest = "Right", r
	}
	if side == "" {
		return false
	}
	switch rest {
	case "Shoulder", "Arm", "ForeArm", "Hand", "UpLeg", "Leg", "Foot", "ToeBase", "Eye":
		return true
	}
	for _, f := range [...]string{"Thumb", "Index", "Middle", "Ring", "Pinky"} {
		for _, k := range [...]string{"1", "2", "3"} {
			if rest == "Hand"+f+k {
				return true
			}
		}
	}
	return false
}

// isMixamoLeaf reports whether j is one of the Mixamo joints no engine profile names: the end
// joints and the fourth joint of each finger.
func isMixamoLeaf(j string) bool {
	if j == "HeadTop_End" {
		return true
	}
	for _, s := range sides {
		if j == s.mixamo+"Toe_End" || j == s.mixamo+"Eye" {
			return true
		}
		for _, f := range [...]string{"Thumb", "Index", "Middle", "Ring", "Pinky"} {
			if j == s.mixamo+"Hand"+f+"4" {
				return true
			}
		}
	}
	return false
}
