package library_test

import (
	"errors"
	"maps"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
)

// Metadata as the pipeline wrote it before the contract had types: a seed
// and a blend of the corpus, a rejected upload, a batch result and a
// preview (its metrics JSON cut short). Decoding and encoding them again must give the same bytes, since
// Cloud Storage and the catalog hold them.
var (
	oldSeed = map[string]string{
		"clip": "walking", "correlation_id": "seed-Walking.fbx", "duration_s": "1.0166666666666666", "format": "fbx",
		"fps": "60", "frames": "62", "joints": "65", "preview": "seed/mixamorig-65-97646937/walking.fbx.preview.png",
		"rig": "mixamorig-65-97646937", "rig_name": "mixamorig", "rig_signature": "65-97646937", "root_motion_cm": "0",
		"sha256": "066366794c736d88bffa936047c3054c956235953b83b4e13b58501c6b15224a", "source": "uploads/Walking.fbx",
		"source_generation": "1796644682669669", "version": "7700",
	}
	oldBlend = map[string]string{
		"blend_key": "fbc28b843f2013f7c137283bce637788ba8fae9c3f7946bc48aaf5ec3583b011", "clip": "mix(walking, running)",
		"correlation_id": "corr-blend", "duration_s": "0.8666666666666667", "format": "fbx", "fps": "60", "frames": "53",
		"joints": "65", "method": "mix",
		"metrics":         `{"name":"mix(walking, running)","frames":53,"fps":60,"duration_s":0.8666666666666667,"joints":65,"feet":true,"foot_skating_cm_per_s":15.947301520590637}`,
		"options":         `{"method":"mix","ratio":0.5,"sync":"none","foot_lock":true}`,
		"preview":         "blend/mixamorig-65-97646937/mix-fbc28b843f20.fbx.preview.png",
		"preview_options": `{"title":"mix(walking, running)","inputs":["walking","running"],"weights":[0.5,0.5]}`,
		"quality":         `{"skating_cm_s":15.947301520590637,"l2_velocity":146.49118439908682,"l2_acceleration":1676.5708864953149,"max_pose_change_cm":8.948617823126902,"transition_cost":0,"ground_penetration_cm":0}`,
		"rig":             "mixamorig-65-97646937", "rig_name": "mixamorig", "rig_signature": "65-97646937", "root_motion_cm": "0",
		"sha256":  "a9d59b2a78c5f6f27a1419f81290a31c62c50b13f19f5cb66d7b030c7c265965",
		"sources": `["seed/mixamorig-65-97646937/walking.fbx","seed/mixamorig-65-97646937/running.fbx"]`,
	}
	oldRejected = map[string]string{
		"correlation_id": "corr-rej", "reason": "unreadable", "sha256": "746a2f21223831820e3c0d6c689bf8be3f6d3a93f8874ba8be0a7ee23e7a4fa9",
		"source": "uploads/bad/notes.fbx", "source_generation": "1796644682703686",
	}
	oldResult  = map[string]string{"correlation_id": "corr-batch", "manifest_generation": "1796644682745964"}
	oldPicture = map[string]string{"correlation_id": "corr-pic", "sha256": "066366794c736d88bffa936047c3054c956235953b83b4e13b58501c6b15224a"}
)

// roundTrip decodes md and encodes it again.
func roundTrip[T interface{ Encode() map[string]string }](decode func(map[string]string) (T, error)) func(map[string]string) (map[string]string, error) {
	return func(md map[string]string) (map[string]string, error) {
		v, err := decode(md)
		return v.Encode(), err
	}
}

func TestMetadataRoundTrip(t *testing.T) {
	seed, blend, rejected := roundTrip(library.DecodeSeed), roundTrip(library.DecodeBlend), roundTrip(library.DecodeRejected)
	batch, picture := roundTrip(library.DecodeBatch), roundTrip(library.DecodePicture)
	without := func(md map[string]string, keys ...string) map[string]string {
		md = maps.Clone(md)
		for _, k := range keys {
			delete(md, k)
		}
		return md
	}
	for _, tt := range []struct {
		name string
		md   map[string]string
		rt   func(map[string]string) (map[string]string, error)
	}{
		{"seed", oldSeed, seed},
		{"seed without a preview", without(oldSeed, "preview"), seed},
		{"seed of an upload without a correlation id", with(oldSeed, "correlation_id", ""), seed},
		{"blend", oldBlend, blend},
		{"blend without pictures", without(oldBlend, "preview", "preview_options"), blend},
		{"rejection", oldRejected, rejected},
		{"rejection refused before it was read", without(oldRejected, "sha256"), rejected},
		{"batch result", oldResult, batch},
		{"picture", oldPicture, picture},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.rt(tt.md)
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got, tt.md) {
				t.Errorf("encoded again:\n got %v\nwant %v", got, tt.md)
			}
		})
	}
}

func with(md map[string]string, key, value string) map[string]string {
	md = maps.Clone(md)
	md[key] = value
	return md
}

func TestDecodeTypes(t *testing.T) {
	s, err := library.DecodeSeed(oldSeed)
	if err != nil {
		t.Fatal(err)
	}
	want := library.Seed{
		Animation: library.Animation{
			SHA256: oldSeed["sha256"], Format: "fbx", FPS: 60, Frames: 62, DurationS: 1.0166666666666666, Joints: 65,
			Rig: "mixamorig-65-97646937", RigName: "mixamorig", RigSignature: "65-97646937", Clip: "walking",
			CorrelationID: "seed-Walking.fbx", Preview: "seed/mixamorig-65-97646937/walking.fbx.preview.png",
		},
		Source: "uploads/Walking.fbx", SourceGeneration: 1796644682669669, Version: "7700",
	}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("DecodeSeed:\n got %+v\nwant %+v", s, want)
	}
	b, err := library.DecodeBlend(oldBlend)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Sources) != 2 || b.Sources[1] != "seed/mixamorig-65-97646937/running.fbx" || b.Quality == nil ||
		b.Quality.L2Velocity != 146.49118439908682 || b.Key != oldBlend["blend_key"] || b.Method != "mix" || b.Frames != 53 {
		t.Errorf("DecodeBlend = %+v", b)
	}
	// A blend's description decodes alike as an animation.
	if a, err := library.DecodeAnimation(oldBlend); err != nil || a != b.Animation {
		t.Errorf("DecodeAnimation = %+v, %v; want %+v", a, err, b.Animation)
	}
	// An object put in place by hand has no metadata: zero values, no error.
	if b, err := library.DecodeBlend(nil); err != nil || b.Quality != nil || b.Sources != nil || b.FPS != 0 {
		t.Errorf("DecodeBlend(nil) = %+v, %v", b, err)
	}
	r, err := library.DecodeBatch(oldResult)
	if err != nil || r != (library.Batch{ManifestGeneration: 1796644682745964, CorrelationID: "corr-batch"}) {
		t.Errorf("DecodeBatch = %+v, %v", r, err)
	}
}

func TestEncodeFormats(t *testing.T) {
	md := library.Blend{
		Animation: library.Animation{FPS: 29.97, DurationS: 1.0 / 3, RootMotionCM: 1e21, Frames: 3},
		Sources:   nil, Quality: &catalog.Quality{SkatingCMS: 1.5},
	}.Encode()
	for key, want := range map[string]string{
		"fps": "29.97", "duration_s": "0.3333333333333333", "root_motion_cm": "1e+21", "frames": "3", "sources": "null",
		"quality":        `{"skating_cm_s":1.5,"l2_velocity":0,"l2_acceleration":0,"max_pose_change_cm":0,"transition_cost":0,"ground_penetration_cm":0}`,
		"correlation_id": "",
	} {
		if got, ok := md[key]; !ok || got != want {
			t.Errorf("%s = %q (present %v), want %q", key, got, ok, want)
		}
	}
	for _, key := range []string{"preview", "preview_options", "version", "source"} {
		if _, ok := md[key]; ok {
			t.Errorf("a blend without pictures has %s", key)
		}
	}
}

func TestDecodeErrorsNameKeyAndValue(t *testing.T) {
	for _, tt := range []struct {
		name   string
		md     map[string]string
		decode func(map[string]string) error
		keys   []string
		msg    string
	}{
		{"fps", with(oldSeed, "fps", "sixty"), seedErr, []string{"fps"}, `metadata fps="sixty": invalid syntax`},
		{"frames", with(oldBlend, "frames", "53.5"), blendErr, []string{"frames"}, `metadata frames="53.5": invalid syntax`},
		{"generation", with(oldRejected, "source_generation", "99999999999999999999"), rejectedErr, []string{"source_generation"}, "value out of range"},
		{"manifest generation", with(oldResult, "manifest_generation", "x"), batchErr, []string{"manifest_generation"}, `manifest_generation="x"`},
		{"sources", with(oldBlend, "sources", "seed/a.fbx"), blendErr, []string{"sources"}, `metadata sources="seed/a.fbx": invalid character`},
		{"quality and duration", with(with(oldBlend, "quality", "{"), "duration_s", "1s"), blendErr, []string{"duration_s", "quality"}, `quality="{"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.decode(tt.md)
			if err == nil || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("error %v, want one containing %s", err, tt.msg)
			}
			var keys []string
			for _, ke := range library.KeyErrors(err) {
				keys = append(keys, ke.Key)
				if ke.Value != tt.md[ke.Key] {
					t.Errorf("%s: value %q, want %q", ke.Key, ke.Value, tt.md[ke.Key])
				}
			}
			if !reflect.DeepEqual(keys, tt.keys) {
				t.Errorf("keys %v, want %v", keys, tt.keys)
			}
		})
	}
	// The other fields still decode, for readers that tolerate a bad value.
	s, err := library.DecodeSeed(with(oldSeed, "fps", "sixty"))
	if s.FPS != 0 || s.Frames != 62 || s.SHA256 != oldSeed["sha256"] {
		t.Errorf("partial seed %+v", s)
	}
	var ne *strconv.NumError
	if errors.As(err, &ne) {
		t.Errorf("the error repeats strconv's: %v", err)
	}
	if !errors.Is(err, strconv.ErrSyntax) {
		t.Errorf("error %v does not match strconv.ErrSyntax", err)
	}
}

func seedErr(md map[string]string) error     { _, err := library.DecodeSeed(md); return err }
func blendErr(md map[string]string) error    { _, err := library.DecodeBlend(md); return err }
func rejectedErr(md map[string]string) error { _, err := library.DecodeRejected(md); return err }
func batchErr(md map[string]string) error    { _, err := library.DecodeBatch(md); return err }
