package mixamo

import (
	"crypto/sha256"
	"encoding/hex"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
)

// Info summarises an animation the way the CLI, object metadata and catalogue rows report it.
type Info struct {
	Format        string           `json:"format"`
	Version       string           `json:"version"`
	Creator       string           `json:"creator,omitempty"`
	Rig           string           `json:"rig"`
	RigSignature  string           `json:"rig_signature"`
	Prefix        string           `json:"prefix"`
	Joints        int              `json:"joints"`
	Humanoid      bool             `json:"humanoid"`
	MissingJoints []string         `json:"missing_joints,omitempty"`
	Clip          string           `json:"clip"`
	Clips         int              `json:"clips"`
	FPS           float64          `json:"fps"`
	Frames        int              `json:"frames"`
	Duration      float64          `json:"duration_s"`
	RootMotionCM  float64          `json:"root_motion_cm"`
	RootMotionVec anim.Vec3        `json:"root_motion_vector_cm"`
	UnitScale     float64          `json:"unit_scale"`
	UpAxis        string           `json:"up_axis"`
	Stacks        []anim.StackInfo `json:"stacks"`
}

// Describe summarises a. Root motion is the net horizontal displacement of the hips between
// the first and last frame, in world space and centimetres.
func Describe(a *anim.Animation) Info {
	s := a.Skeleton
	names := make([]string, len(s.Joints))
	for i, j := range s.Joints {
		names[i] = j.Name
	}
	prefix := a.Source.Prefix
	if prefix == "" {
		prefix = DetectPrefix(names)
	}
	info := Info{
		Format: a.Source.Format, Version: a.Source.Version, Creator: a.Source.Creator,
		Rig: RigName(s, prefix), RigSignature: RigSignature(s), Prefix: prefix,
		Joints: len(s.Joints), Clips: len(a.Clips),
		UnitScale: a.Source.UnitScale, UpAxis: a.Source.UpAxis, Stacks: a.Source.Stacks,
	}
	if info.Stacks == nil {
		info.Stacks = []anim.StackInfo{}
	}
	if err := CheckHumanoid(names); err != nil {
		if me, ok := err.(*MissingJointsError); ok {
			info.MissingJoints = me.Missing
		}
	} else {
		info.Humanoid = true
	}
	c := a.Clip()
	if c == nil {
		return info
	}
	info.Clip, info.FPS, info.Frames, info.Duration = c.Name, c.FPS, c.Frames, c.Duration()
	if h := HipsIndex(s); h >= 0 && c.Frames > 0 {
		first := c.WorldPositions(s, 0, nil)[h]
		last := c.WorldPositions(s, c.Frames-1, nil)[h]
		d := last.Sub(first)
		d[1] = 0
		info.RootMotionVec = anim.Vec3{round(d[0]), 0, round(d[2])}
		info.RootMotionCM = round(d.Len())
	}
	return info
}

func round(v float64) float64 { return math.Round(v*1000) / 1000 }

// HipsIndex returns the index of the hips joint (any spelling), else the first root, else -1.
func HipsIndex(s *anim.Skeleton) int {
	for i, j := range s.Joints {
		if Normalize(j.Name) == "Hips" {
			return i
		}
	}
	for i, j := range s.Joints {
		if j.Parent < 0 {
			return i
		}
	}
	return -1
}

// RigName names the rig: the bone prefix without its separator ("mixamorig", "mixamorig1"),
// else the character node above the joints, else "unprefixed".
func RigName(s *anim.Skeleton, prefix string) string {
	if p := strings.TrimRight(prefix, ":_|"); p != "" {
		return p
	}
	if s.Name != "" {
		return s.Name
	}
	return "unprefixed"
}

// RigSignature identifies a joint set independently of name spelling: the joint count and a
// short hash of the sorted normalised names, e.g. "65-1a2b3c4d". Clips of one character share it.
func RigSignature(s *anim.Skeleton) string {
	names := make([]string, len(s.Joints))
	for i, j := range s.Joints {
		names[i] = Normalize(j.Name)
	}
	sort.Strings(names)
	h := sha256.Sum256([]byte(strings.Join(names, "\n")))
	return strconv.Itoa(len(names)) + "-" + hex.EncodeToString(h[:4])
}
