// Package anim is the animation model every format and operator shares: a skeleton of joints,
// clips sampled on a uniform time grid, and forward kinematics.
//
// Conventions: right-handed, Y up, centimetres. A clip's rotation for a joint is its full local
// rotation relative to the parent (for FBX, PreRotation·LclRotation·PostRotation⁻¹), so clips
// from FBX, BVH and glTF compare and blend directly.
package anim

import (
	"fmt"
	"math"
)

// Joint is one bone of a skeleton in its rest (bind) pose.
type Joint struct {
	Name   string
	Parent int // index into Skeleton.Joints, -1 for a root

	// Rest local transform, as in the clip's convention (full local rotation).
	Rest Transform

	// FBX transform details, kept so an FBX writer can reproduce the source's properties.
	PreRotation   Quat // identity when absent
	PostRotation  Quat // identity when absent
	RotationOrder RotationOrder
}

// Skeleton is a joint hierarchy. Parents always precede their children.
type Skeleton struct {
	Joints []Joint

	// Name is the name of the node above the roots (an armature or character), when there is one.
	Name string

	// Base is the world transform of whatever sits above the root joints in the source
	// (an armature or a Null node); identity when the roots are at scene level.
	Base Transform

	// Origin is the format-specific source of this skeleton (for example *fbx.Document),
	// which a writer of the same format may reuse to keep the source's objects. May be nil.
	Origin any
}

// Index returns the index of the joint with exactly this name, or -1.
func (s *Skeleton) Index(name string) int {
	for i := range s.Joints {
		if s.Joints[i].Name == name {
			return i
		}
	}
	return -1
}

// Children returns, for each joint, the indices of its children.
func (s *Skeleton) Children() [][]int {
	ch := make([][]int, len(s.Joints))
	for i, j := range s.Joints {
		if j.Parent >= 0 {
			ch[j.Parent] = append(ch[j.Parent], i)
		}
	}
	return ch
}

// Validate checks the hierarchy: parents in range and ordered before their children.
func (s *Skeleton) Validate() error {
	if len(s.Joints) == 0 {
		return fmt.Errorf("skeleton has no joints")
	}
	for i, j := range s.Joints {
		if j.Parent >= i || j.Parent < -1 {
			return fmt.Errorf("joint %d %q: parent %d must be -1 or an earlier joint", i, j.Name, j.Parent)
		}
	}
	return nil
}

// Clip is an animation sampled on a uniform grid: Frames samples at Start + i/FPS seconds.
// Tracks are frame-major: the value for joint j at frame f is at index f*NumJoints + j.
type Clip struct {
	Name      string
	FPS       float64
	Start     float64 // time of the first sample in seconds, usually 0
	Frames    int
	NumJoints int

	Rotations    []Quat // full local rotation per joint
	Translations []Vec3 // local translation per joint, centimetres
	Scales       []Vec3 // local scale per joint
}

// NewClip allocates a clip with every joint at its rest pose on every frame.
func NewClip(name string, s *Skeleton, fps float64, frames int) *Clip {
	n := len(s.Joints)
	c := &Clip{
		Name: name, FPS: fps, Frames: frames, NumJoints: n,
		Rotations:    make([]Quat, frames*n),
		Translations: make([]Vec3, frames*n),
		Scales:       make([]Vec3, frames*n),
	}
	for f := 0; f < frames; f++ {
		for j := 0; j < n; j++ {
			r := s.Joints[j].Rest
			c.Rotations[f*n+j], c.Translations[f*n+j], c.Scales[f*n+j] = r.R, r.T, r.S
		}
	}
	return c
}

// Duration is the time from the first sample to the last, in seconds.
func (c *Clip) Duration() float64 {
	if c.Frames < 2 || c.FPS <= 0 {
		return 0
	}
	return float64(c.Frames-1) / c.FPS
}

// Time returns the time of frame f in seconds.
func (c *Clip) Time(f int) float64 { return c.Start + float64(f)/c.FPS }

// Pose returns frame f's tracks as slices of length NumJoints that alias the clip's storage.
func (c *Clip) Pose(f int) (rot []Quat, tr []Vec3, sc []Vec3) {
	a, b := f*c.NumJoints, (f+1)*c.NumJoints
	return c.Rotations[a:b], c.Translations[a:b], c.Scales[a:b]
}

// Local returns the local transform of joint j at frame f.
func (c *Clip) Local(f, j int) Transform {
	i := f*c.NumJoints + j
	return Transform{T: c.Translations[i], R: c.Rotations[i], S: c.Scales[i]}
}

// Clone returns a deep copy.
func (c *Clip) Clone() *Clip {
	d := *c
	d.Rotations = append([]Quat(nil), c.Rotations...)
	d.Translations = append([]Vec3(nil), c.Translations...)
	d.Scales = append([]Vec3(nil), c.Scales...)
	return &d
}

// Validate checks that the clip's storage matches its declared shape and holds finite values.
func (c *Clip) Validate(s *Skeleton) error {
	if c.FPS <= 0 || math.IsNaN(c.FPS) || math.IsInf(c.FPS, 0) {
		return fmt.Errorf("clip %q: frame rate %v must be positive", c.Name, c.FPS)
	}
	if c.Frames < 1 {
		return fmt.Errorf("clip %q: has no frames", c.Name)
	}
	if s != nil && c.NumJoints != len(s.Joints) {
		return fmt.Errorf("clip %q: %d joint tracks for a skeleton of %d joints", c.Name, c.NumJoints, len(s.Joints))
	}
	n := c.Frames * c.NumJoints
	if len(c.Rotations) != n || len(c.Translations) != n || len(c.Scales) != n {
		return fmt.Errorf("clip %q: track lengths %d/%d/%d, want %d", c.Name,
			len(c.Rotations), len(c.Translations), len(c.Scales), n)
	}
	if finiteTracks(c) {
		return nil
	}
	for i := range c.Rotations {
		for k := 0; k < 4; k++ {
			if v := c.Rotations[i][k]; math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("clip %q: non-finite rotation at frame %d joint %d", c.Name, i/c.NumJoints, i%c.NumJoints)
			}
		}
		for k := 0; k < 3; k++ {
			if v := c.Translations[i][k]; math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("clip %q: non-finite translation at frame %d joint %d", c.Name, i/c.NumJoints, i%c.NumJoints)
			}
		}
	}
	return nil
}

// finiteTracks reports whether every rotation and translation component is finite, in one
// branch-free pass: x*0 is 0 for finite x and NaN for NaN or ±Inf, and a NaN survives the sum.
// Validate then searches for the culprit only when there is one.
func finiteTracks(c *Clip) bool {
	var acc float64
	for _, q := range c.Rotations {
		acc += q[0]*0 + q[1]*0 + q[2]*0 + q[3]*0
	}
	for _, v := range c.Translations {
		acc += v[0]*0 + v[1]*0 + v[2]*0
	}
	return acc == 0
}

// SourceInfo describes the file an animation was read from.
type SourceInfo struct {
	Format    string  // "fbx", "bvh" or "gltf"
	Version   string  // e.g. "7700", "2.0"
	Creator   string  // the writing application, when the file says
	UnitScale float64 // the file's centimetres per unit (FBX UnitScaleFactor); values in the model are already in cm
	UpAxis    string  // the file's up axis: "Y" or "Z"
	Prefix    string  // bone-name prefix found on the joints, e.g. "mixamorig:"; empty when none
	Stacks    []StackInfo
}

// StackInfo reports one animation stack (FBX) or animation (glTF) present in the file.
type StackInfo struct {
	Name     string  `json:"name"`
	Duration float64 `json:"duration_s"`
	Curves   int     `json:"curves"` // animated channels connected to joints
	Used     bool    `json:"used"`   // whether this stack became the clip
}

// Animation is what a file holds: one skeleton and its clips (usually one).
type Animation struct {
	Skeleton *Skeleton
	Clips    []*Clip
	Source   SourceInfo
}

// Clip returns the first clip, or nil when the file holds none (a character-only file).
func (a *Animation) Clip() *Clip {
	if len(a.Clips) == 0 {
		return nil
	}
	return a.Clips[0]
}
