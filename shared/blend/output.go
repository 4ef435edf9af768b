package blend

import (
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/compress"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/mixamo"
)

// The output options (Rename, MaxErrorCM, VertexDistanceCM) shape the written file rather than
// the motion: Run ignores them, and job applies them after measuring the result, so a blend's
// quality is the same whatever engine it is written for.

// ValidateOutput checks the output options alone (Validate checks them with the rest), for
// writers of animations that no blend made.
func (o Options) ValidateOutput() error {
	if o.Rename != "" {
		if _, ok := mixamo.ParseProfile(o.Rename); !ok {
			return optErr("rename", "unknown %q; want %s", o.Rename, mixamo.ProfileNames())
		}
	}
	if !finite(o.MaxErrorCM) || o.MaxErrorCM < 0 || o.MaxErrorCM > compress.MaxErrorLimitCM {
		return optErr("max_error_cm", "%v must be 0 (key every frame) or a bound in cm up to %d", o.MaxErrorCM, compress.MaxErrorLimitCM)
	}
	if !finite(o.VertexDistanceCM) || o.VertexDistanceCM < 0 || o.VertexDistanceCM > compress.MaxVertexDistanceCM {
		return optErr("vertex_distance_cm", "%v must be 0 (joints only) or a distance in cm up to %d", o.VertexDistanceCM, compress.MaxVertexDistanceCM)
	}
	if o.VertexDistanceCM > 0 && o.MaxErrorCM == 0 {
		return optErr("vertex_distance_cm", "applies to keyframe reduction: give max_error_cm too")
	}
	return nil
}

// canonicalOutput returns the output options in normal form: the profile's canonical name,
// and no vertex distance without a bound.
func (o Options) canonicalOutput() (rename string, maxErr, vertex float64) {
	if p, ok := mixamo.ParseProfile(o.Rename); ok {
		rename = string(p)
	}
	if o.MaxErrorCM > 0 {
		maxErr, vertex = o.MaxErrorCM, o.VertexDistanceCM
	}
	return rename, maxErr, vertex
}
