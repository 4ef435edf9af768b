package blend

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/mixamo"
)

// Method names (canonical). "linear" is accepted for Mix and "single-shot" for Transition.
const (
	Mix        = "mix"
	Transition = "transition"
	Layer      = "layer"
	Additive   = "additive"
	Blendspace = "blendspace"
	Edit       = "edit" // one clip, only the edits and common steps
	// Retarget carries the first input's motion onto the second input's character (its rest
	// skeleton), then applies the edits and common steps. Package retarget does the work and
	// job.Blend runs it: Run refuses it.
	Retarget = "retarget"
)

// Curve names for transition and loop cross-fades.
const (
	CurveLinear     = "linear"
	CurveSmoothstep = "smoothstep"
	CurveEaseInOut  = "ease-in-out"
)

// Sync modes for mix.
const (
	SyncNone = "none"
	SyncFeet = "feet"
)

// Defaults filled by Canonical.
const (
	DefaultRatio            = 0.5
	DefaultTransitionFrames = 10
	DefaultCurve            = CurveSmoothstep
	DefaultMaskWeight       = 1.0
	DefaultWeight           = 1.0

	maxTransitionFrames = 100000
	maxFPS              = 1000
)

// Options configures one blend. Fields a method does not use are ignored by Run and cleared by
// Canonical. Pointer fields distinguish "absent" (take the default) from an explicit zero.
type Options struct {
	Method string `json:"method"`

	// mix
	Ratio *float64 `json:"ratio,omitempty"` // weight of the second clip, 0..1; default 0.5
	Sync  string   `json:"sync,omitempty"`  // "none" (default) or "feet"

	// transition (and the loop cross-fade)
	TransitionFrames int      `json:"transition_frames,omitempty"` // default 10
	Curve            string   `json:"curve,omitempty"`             // linear, smoothstep (default), ease-in-out
	TransitionAt     *float64 `json:"transition_at,omitempty"`     // seconds into A; nil = automatic

	// layer
	Mask       Mask     `json:"mask,omitempty"`        // a preset name or joint names
	MaskWeight *float64 `json:"mask_weight,omitempty"` // 0..1, default 1

	// additive
	Weight         *float64 `json:"weight,omitempty"`          // 0..1, default 1
	ReferenceFrame int      `json:"reference_frame,omitempty"` // frame of B used as the reference pose

	// blendspace
	Positions []float64 `json:"positions,omitempty"` // one per input, strictly increasing
	Value     float64   `json:"value,omitempty"`     // parameter value; clamped to the ends

	// mix and blendspace: limit foot skating to the inputs' own; retarget: keep planted feet
	// planted on the new character (default true)
	FootLock *bool `json:"foot_lock,omitempty"`

	// applied after every method
	FPS     float64 `json:"fps,omitempty"` // output frame rate; 0 = the first input's
	Loop    bool    `json:"loop,omitempty"`
	InPlace bool    `json:"in_place,omitempty"`

	// edits (edits.go): applied to the method's result in this order: trim, speed, reverse,
	// mirror, then in_place, loop (loop_find cutting at the best loop points first), foot
	// lock, and root_motion last.
	TrimStart      *float64 `json:"trim_start,omitempty"`       // seconds into the result
	TrimEnd        *float64 `json:"trim_end,omitempty"`         // seconds into the result, kept
	TrimStartFrame *int     `json:"trim_start_frame,omitempty"` // frame of the result
	TrimEndFrame   *int     `json:"trim_end_frame,omitempty"`   // frame of the result, kept
	Speed          *float64 `json:"speed,omitempty"`            // play rate; 2 halves the duration; default 1
	Reverse        bool     `json:"reverse,omitempty"`
	Mirror         bool     `json:"mirror,omitempty"`      // swap left and right across the sagittal plane
	LoopFind       bool     `json:"loop_find,omitempty"`   // cut at the best loop points, then loop
	RootMotion     string   `json:"root_motion,omitempty"` // root, hips, or "" (as the first input)
	// retarget and compression: applied to the written file, after every other step
	// (see output.go)
	Rename           string  `json:"rename,omitempty"`             // joint names: mixamo, ue5, unity or godot; "" keeps the input's
	MaxErrorCM       float64 `json:"max_error_cm,omitempty"`       // keyframe reduction bound, cm; 0 keys every frame
	VertexDistanceCM float64 `json:"vertex_distance_cm,omitempty"` // with max_error_cm: bound virtual vertices this far from each joint too
}

// Mask names the joints of a layer: either one preset name (see mixamo.BodyPartNames) or joint
// names in any Mixamo spelling. In JSON it is a string or an array of strings.
type Mask []string

// UnmarshalJSON accepts "upper_body" as well as ["LeftArm", "RightArm"].
func (m *Mask) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		if s == "" {
			*m = nil
		} else {
			*m = Mask{s}
		}
		return nil
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return &OptionError{Field: "mask", Msg: "must be a preset name or a list of joint names", Err: err}
	}
	*m = list
	return nil
}

// Preset returns the body-part preset the mask names, if it is one.
func (m Mask) Preset() (mixamo.BodyPart, bool) {
	if len(m) != 1 {
		return mixamo.BodyPart{}, false
	}
	return mixamo.LookupBodyPart(m[0])
}

// OptionError reports bad input: an option, or an input animation ("inputs[1]").
type OptionError struct {
	Field string
	Msg   string
	Err   error // underlying cause, e.g. *mixamo.MissingJointsError; may be nil
}

func (e *OptionError) Error() string { return "blend: " + e.Field + ": " + e.Msg }

// Unwrap returns the underlying cause.
func (e *OptionError) Unwrap() error { return e.Err }

func optErr(field, format string, args ...any) error {
	return &OptionError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// method resolves aliases and letter case; it returns "" for an unknown name.
func method(name string) string {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "mix", "linear":
		return Mix
	case "transition", "single-shot", "single_shot":
		return Transition
	case "layer":
		return Layer
	case "additive":
		return Additive
	case "blendspace":
		return Blendspace
	case "edit":
		return Edit
	case "retarget":
		return Retarget
	}
	return ""
}

func curveName(name string) string {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "", "smoothstep":
		return CurveSmoothstep
	case "linear":
		return CurveLinear
	case "ease-in-out", "ease_in_out", "easeinout":
		return CurveEaseInOut
	}
	return ""
}

func syncName(name string) string {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "", "none":
		return SyncNone
	case "feet":
		return SyncFeet
	}
	return ""
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func checkUnit(field string, p *float64) error {
	if p != nil && (!finite(*p) || *p < 0 || *p > 1) {
		return optErr(field, "%v is outside 0..1", *p)
	}
	return nil
}

// Validate checks the options for a blend of n inputs and returns a *OptionError naming the
// first wrong field.
func (o Options) Validate(n int) error {
	m := method(o.Method)
	if m == "" {
		if o.Method == "" {
			return optErr("method", "missing; want mix, transition, layer, additive, blendspace, edit or retarget")
		}
		return optErr("method", "unknown %q; want mix (linear), transition (single-shot), layer, additive, blendspace, edit or retarget", o.Method)
	}
	if m == Edit {
		if n != 1 {
			return optErr("inputs", "edit needs exactly 1 clip, got %d", n)
		}
	} else if m == Blendspace {
		if n < 2 {
			return optErr("inputs", "blendspace needs at least 2 clips, got %d", n)
		}
	} else if m == Retarget {
		if n != 2 {
			return optErr("inputs", "retarget needs 2 inputs, the clip and the character to carry it onto; got %d", n)
		}
	} else if n != 2 {
		return optErr("inputs", "%s needs exactly 2 clips, got %d", m, n)
	}
	if !finite(o.FPS) || o.FPS < 0 || o.FPS > maxFPS {
		return optErr("fps", "%v must be 0 (keep the first input's) or a frame rate up to %d", o.FPS, maxFPS)
	}
	if err := o.validateEdits(); err != nil {
		return err
	}
	if err := o.ValidateOutput(); err != nil {
		return err
	}
	if m == Transition || o.Loop || o.LoopFind {
		if o.TransitionFrames < 0 || o.TransitionFrames > maxTransitionFrames {
			return optErr("transition_frames", "%d must be between 1 and %d (0 = default %d)",
				o.TransitionFrames, maxTransitionFrames, DefaultTransitionFrames)
		}
		if curveName(o.Curve) == "" {
			return optErr("curve", "unknown %q; want linear, smoothstep or ease-in-out", o.Curve)
		}
	}
	switch m {
	case Mix:
		if err := checkUnit("ratio", o.Ratio); err != nil {
			return err
		}
		if syncName(o.Sync) == "" {
			return optErr("sync", "unknown %q; want none or feet", o.Sync)
		}
	case Transition:
		if o.TransitionAt != nil && (!finite(*o.TransitionAt) || *o.TransitionAt < 0) {
			return optErr("transition_at", "%v must be a time in seconds, 0 or more", *o.TransitionAt)
		}
	case Layer:
		if len(o.Mask) == 0 {
			return optErr("mask", "missing; want a preset (%s) or joint names", strings.Join(mixamo.BodyPartNames(), ", "))
		}
		for i, name := range o.Mask {
			if strings.TrimSpace(name) == "" {
				return optErr("mask", "entry %d is empty", i)
			}
		}
		if len(o.Mask) > 1 {
			for _, name := range o.Mask {
				if _, ok := mixamo.LookupBodyPart(name); ok {
					return optErr("mask", "preset %q must be used alone, not in a list of joints", name)
				}
			}
		}
		if err := checkUnit("mask_weight", o.MaskWeight); err != nil {
			return err
		}
	case Additive:
		if err := checkUnit("weight", o.Weight); err != nil {
			return err
		}
		if o.ReferenceFrame < 0 {
			return optErr("reference_frame", "%d must be 0 or more", o.ReferenceFrame)
		}
	case Blendspace:
		if len(o.Positions) != n {
			return optErr("positions", "%d positions for %d clips; want one per clip", len(o.Positions), n)
		}
		for i, p := range o.Positions {
			if !finite(p) {
				return optErr("positions", "entry %d is %v", i, p)
			}
			if i > 0 && p <= o.Positions[i-1] {
				return optErr("positions", "must increase strictly: entry %d (%v) follows %v", i, p, o.Positions[i-1])
			}
		}
		if !finite(o.Value) {
			return optErr("value", "%v is not a number", o.Value)
		}
	}
	return nil
}

// Canonical returns the options in one normal form, so equal blends hash equally: aliases and
// letter case resolved, defaults filled, options the method ignores cleared, explicit mask
// joints normalised, de-duplicated and sorted. Call it on options that pass Validate.
func (o Options) Canonical() Options {
	m := method(o.Method)
	c := Options{Method: m, FPS: o.FPS, Loop: o.Loop || o.LoopFind, InPlace: o.InPlace}
	o.canonicalEdits(&c)
	c.Rename, c.MaxErrorCM, c.VertexDistanceCM = o.canonicalOutput()
	if m == Transition || c.Loop {
		c.TransitionFrames = o.TransitionFrames
		if c.TransitionFrames == 0 {
			c.TransitionFrames = DefaultTransitionFrames
		}
		c.Curve = curveName(o.Curve)
	}
	if m == Mix || m == Blendspace || m == Retarget {
		lock := o.FootLock == nil || *o.FootLock
		c.FootLock = &lock
	}
	switch m {
	case Mix:
		c.Ratio = orDefault(o.Ratio, DefaultRatio)
		c.Sync = syncName(o.Sync)
	case Transition:
		if o.TransitionAt != nil {
			c.TransitionAt = ptr(*o.TransitionAt)
		}
	case Layer:
		if p, ok := o.Mask.Preset(); ok {
			c.Mask = Mask{p.Name}
		} else {
			seen := map[string]bool{}
			for _, name := range o.Mask {
				j := mixamo.Normalize(strings.TrimSpace(name))
				if !seen[j] {
					seen[j] = true
					c.Mask = append(c.Mask, j)
				}
			}
			sort.Strings(c.Mask)
		}
		c.MaskWeight = orDefault(o.MaskWeight, DefaultMaskWeight)
	case Additive:
		c.Weight = orDefault(o.Weight, DefaultWeight)
		c.ReferenceFrame = o.ReferenceFrame
	case Blendspace:
		c.Positions = append([]float64(nil), o.Positions...)
		c.Value = o.Value
	}
	return c
}

func ptr(v float64) *float64 { return &v }

func orDefault(p *float64, def float64) *float64 {
	if p == nil {
		return ptr(def)
	}
	return ptr(*p)
}
