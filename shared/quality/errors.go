// Package quality measures animation clips: foot contacts, foot skating, smoothness, pose jumps,
// ground penetration and transition cost, and compares a blend's result with its inputs.
//
// Every length is in centimetres and every time in seconds, in the model's right-handed,
// Y-up frame; heights are world Y.
package quality

import "fmt"

// InputError reports an argument that cannot be measured, naming the offending field.
type InputError struct {
	Field  string // e.g. "skeleton", "clip.FPS", "options.Window"
	Reason string
	Err    error // underlying cause, e.g. *mixamo.MissingJointsError; may be nil
}

func (e *InputError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("quality: %s: %s: %v", e.Field, e.Reason, e.Err)
	}
	return fmt.Sprintf("quality: %s: %s", e.Field, e.Reason)
}

func (e *InputError) Unwrap() error { return e.Err }
