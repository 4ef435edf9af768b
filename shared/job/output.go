package job

import (
	"bytes"
	"fmt"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/animfile"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/blend"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/compress"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/fbx"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/gltf"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/mixamo"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/retarget"
)

// Compression reports a keyframe reduction of a written file.
type Compression struct {
	BoundCM          float64 `json:"bound_cm"`
	VertexDistanceCM float64 `json:"vertex_distance_cm,omitempty"`
	compress.Result
	// BytesBefore is the file's size with every frame keyed; BytesAfter its size as written.
	BytesBefore int `json:"bytes_before"`
	BytesAfter  int `json:"bytes_after"`
}

// OutputReport says what the output options did to the written file.
type OutputReport struct {
	Rename      *retarget.RenameReport `json:"rename,omitempty"`
	Compression *Compression           `json:"compression,omitempty"`
}

// Encode writes a in format with the output options of o applied: the joints renamed to
// o.Rename's profile, and the keys reduced to o.MaxErrorCM. Bad options give the operator's
// *blend.OptionError; so does a bound for a format that keys every frame (BVH).
func Encode(a *anim.Animation, format string, o blend.Options) ([]byte, OutputReport, error) {
	var rep OutputReport
	f, err := animfile.ByName(format)
	if err != nil {
		return nil, rep, &blend.OptionError{Field: "format", Msg: err.Error(), Err: err}
	}
	if err := o.ValidateOutput(); err != nil {
		return nil, rep, err
	}
	if o.Rename != "" {
		p, _ := mixamo.ParseProfile(o.Rename)
		r, rr, err := retarget.Rename(a, p)
		if err != nil {
			return nil, rep, &blend.OptionError{Field: "rename", Msg: err.Error(), Err: err}
		}
		a, rep.Rename = r, &rr
	}
	if o.MaxErrorCM == 0 {
		var buf bytes.Buffer
		if err := f.Encode(&buf, a); err != nil {
			return nil, rep, err
		}
		return buf.Bytes(), rep, nil
	}
	data, c, err := EncodeReduced(a, f, compress.Options{MaxErrorCM: o.MaxErrorCM, VertexDistanceCM: o.VertexDistanceCM})
	rep.Compression = c
	return data, rep, err
}

// EncodeReduced writes a's first clip in format f (FBX, GLB or glTF) with its keys reduced
// within opt's bound, measured on exactly the curves the format holds (Euler angles for FBX,
// quaternions for glTF), and reports the sizes with and without reduction.
func EncodeReduced(a *anim.Animation, f animfile.Format, opt compress.Options) ([]byte, *Compression, error) {
	if a == nil || a.Skeleton == nil || a.Clip() == nil {
		return nil, nil, &blend.OptionError{Field: "max_error_cm", Msg: "there is no clip to reduce"}
	}
	var write func(keys []*anim.Keys) ([]byte, error)
	switch f {
	case animfile.FBX:
		joints, deg, err := fbx.RotationCurves(a, 0, fbx.WriteOptions{})
		if err != nil {
			return nil, nil, err
		}
		opt.Euler = &compress.EulerCurves{Joints: joints, Degrees: deg}
		write = func(keys []*anim.Keys) ([]byte, error) {
			var buf bytes.Buffer
			err := fbx.Encode(&buf, a, fbx.WriteOptions{Keys: keys})
			return buf.Bytes(), err
		}
	case animfile.GLB, animfile.GLTF:
		s, c := a.Skeleton, a.Clip()
		opt.Lists = &compress.TimeLists{ListBytes: gltf.InputBytes, TimeBytes: 4,
			ValueBytes: func(j int, track byte) int { return gltf.KeyBytes(s, c, j, track) }}
		write = func(keys []*anim.Keys) ([]byte, error) {
			var buf bytes.Buffer
			err := gltf.Encode(&buf, a, gltf.WriteOptions{JSON: f == animfile.GLTF, Keys: keys})
			return buf.Bytes(), err
		}
	default:
		return nil, nil, &blend.OptionError{Field: "max_error_cm", Msg: fmt.Sprintf("applies to fbx, glb and gltf output, not %s (it keys every frame)", f)}
	}
	r, err := compress.Reduce(a.Skeleton, a.Clip(), opt)
	if err != nil {
		return nil, nil, &blend.OptionError{Field: "max_error_cm", Msg: err.Error(), Err: err}
	}
	full, err := write(nil)
	if err != nil {
		return nil, nil, err
	}
	keys := make([]*anim.Keys, 1, len(a.Clips))
	keys[0] = r.Keys
	small, err := write(keys)
	if err != nil {
		return nil, nil, err
	}
	return small, &Compression{BoundCM: opt.MaxErrorCM, VertexDistanceCM: opt.VertexDistanceCM, Result: *r,
		BytesBefore: len(full), BytesAfter: len(small)}, nil
}
