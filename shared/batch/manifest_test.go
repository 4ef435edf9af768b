package batch

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/blend"
)

const original = `blends:
  - name: walk_to_run
    input1: seed/walk.fbx
    input2: seed/run.fbx
    ratio: 0.5
    method: linear
    output: blend/walk_run.fbx
`

func TestParseManifest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file, data string
		check            func(t *testing.T, m *Manifest)
	}{
		{"original format", "m.yaml", original, func(t *testing.T, m *Manifest) {
			b := m.Blends[0]
			if b.Name != "walk_to_run" || b.Input1 != "seed/walk.fbx" || b.Input2 != "seed/run.fbx" ||
				b.Output != "blend/walk_run.fbx" || b.Method != "linear" || b.Ratio == nil || *b.Ratio != 0.5 {
				t.Errorf("parsed %+v", b)
			}
			if got := b.Sources(); len(got) != 2 || got[1] != "seed/run.fbx" {
				t.Errorf("sources %v", got)
			}
		}},
		{"original example file as is", "blend_batch.yaml", `version: "1.0"
workflow: blend_batch

# Batch blend multiple animation pairs
blends:
  - name: walk_to_run
    input1: seed/walk.bvh
    input2: seed/run.bvh
    ratio: 0.5
    method: linear
    output: blend/walk_run.bvh

  - name: crouch_to_stand
    input1: seed/crouch.bvh
    input2: seed/stand.bvh
    ratio: 0.7
    method: linear
    output: blend/crouch_stand.bvh

# Upload configuration (optional)
upload:
  folder: blend/
  metadata:
    source: mixamo
    pipeline: batch
    created_date: "2026-01-04"
    automated: true
`, func(t *testing.T, m *Manifest) {
			if m.Version != "1.0" || m.Workflow != WorkflowBlendBatch || len(m.Blends) != 2 {
				t.Errorf("header %q %q, %d blends", m.Version, m.Workflow, len(m.Blends))
			}
			if u := m.Upload; u == nil || u.Folder != "blend/" || u.Metadata["created_date"] != "2026-01-04" || u.Metadata["automated"] != "true" {
				t.Errorf("upload %+v", m.Upload)
			}
			if b := m.Blends[1]; *b.Ratio != 0.7 || b.Index != 1 {
				t.Errorf("second blend %+v", b)
			}
		}},
		{"original defaults", "m.yaml", "version: 1.0\nblends:\n  - {input1: a.fbx, input2: b.fbx, output: o.fbx}\n  - {input1: a.fbx, input2: c.fbx, output: p.fbx}\n",
			func(t *testing.T, m *Manifest) {
				if m.Version != "1.0" {
					t.Errorf("unquoted version read as %q", m.Version)
				}
				for i, b := range m.Blends {
					if b.Name != fmt.Sprintf("blend_%d", i+1) || b.Method != "linear" || b.Ratio != nil {
						t.Errorf("blend %d defaults: name %q method %q ratio %v", i, b.Name, b.Method, b.Ratio)
					}
				}
			}},
		{"json", "m.json", `{"blends":[{"name":"a","input1":"x.fbx","input2":"y.fbx","method":"mix","ratio":0.25,"output":"o.glb","sync":"feet"}]}`,
			func(t *testing.T, m *Manifest) {
				if b := m.Blends[0]; *b.Ratio != 0.25 || b.Sync != "feet" || b.Output != "o.glb" {
					t.Errorf("parsed %+v", b)
				}
			}},
		{"json sniffed without extension", "stdin", ` {"blends":[{"name":"a","input1":"x","input2":"y","method":"mix","output":"o"}]}`,
			func(t *testing.T, m *Manifest) {
				if len(m.Blends) != 1 {
					t.Errorf("%d blends", len(m.Blends))
				}
			}},
		{"every kind of extra option", "m.yml", `blends:
  - {name: t, input1: a.fbx, input2: b.fbx, method: single-shot, transition_frames: 20, curve: linear, output: t.bvh, format: bvh}
  - {name: l, input1: a.fbx, input2: b.fbx, method: layer, mask: upper_body, mask_weight: 0.5, output: l.fbx}
  - {name: j, input1: a.fbx, input2: b.fbx, method: layer, mask: [LeftArm, mixamorig:RightArm], output: j.fbx}
  - name: s
    inputs: [idle.fbx, walk.fbx, run.fbx]
    method: blendspace
    positions: [0, 1.5, 3]
    value: 2
    output: s.glb
    loop: true
    in_place: true
`, func(t *testing.T, m *Manifest) {
			if b := m.Blends[0]; b.TransitionFrames != 20 || b.Curve != "linear" || b.Format != "bvh" {
				t.Errorf("transition %+v", b)
			}
			if b := m.Blends[1]; len(b.Mask) != 1 || b.Mask[0] != "upper_body" || *b.MaskWeight != 0.5 {
				t.Errorf("layer %+v", b)
			}
			if b := m.Blends[2]; len(b.Mask) != 2 || b.Mask[1] != "mixamorig:RightArm" {
				t.Errorf("joint mask %v", b.Mask)
			}
			if b := m.Blends[3]; len(b.Sources()) != 3 || b.Value != 2 || !b.Loop || !b.InPlace || b.Index != 3 {
				t.Errorf("blendspace %+v", b)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseManifest([]byte(tt.data), tt.file)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, m)
		})
	}
}

func TestParseManifestErrors(t *testing.T) {
	t.Parallel()
	blendLine := func(extra string) string {
		return "blends:\n  - {name: a, input1: x.fbx, input2: y.fbx, method: mix, output: o.fbx" + extra + "}\n"
	}
	tests := []struct {
		name, file, data string
		index            int
		field, msg       string
	}{
		{"unknown field", "m.yaml", blendLine(", tempo: 2"), 0, "tempo", "unknown field"},
		{"unknown field in second blend", "m.yaml", original + "  - {name: b, input1: x, input2: y, method: mix, output: p, ratoi: 1}\n", 1, "ratoi", "unknown field"},
		{"unknown top-level field", "m.yaml", "author: me\n" + original, -1, "author", "unknown field"},
		{"unsupported version", "m.yaml", "version: 2\n" + original, -1, "version", `unsupported "2.0"`},
		{"other workflow", "m.yaml", "workflow: download_batch\n" + original, -1, "workflow", "not a blend batch"},
		{"nested upload metadata", "m.yaml", original + "upload: {metadata: {tags: [a, b]}}\n", -1, "upload.metadata.tags", "want a string"},
		{"neural method of the original", "m.yaml", original + "  - {name: idle_to_jump, input1: seed/idle.bvh, input2: seed/jump.bvh, ratio: 0.3, method: snn, output: blend/idle_jump.bvh}\n", 1, "method", "neural method"},
		{"missing input", "m.yaml", "blends:\n  - {name: a, input1: x.fbx, method: mix, output: o.fbx}\n", 0, "input2", "missing"},
		{"bad ratio", "m.yaml", blendLine(", ratio: 1.5"), 0, "ratio", "outside 0..1"},
		{"ratio not a number", "m.yaml", blendLine(", ratio: half"), 0, "ratio", "want a number"},
		{"unknown method", "m.yaml", "blends:\n  - {name: a, input1: x, input2: y, method: morph, output: o}\n", 0, "method", "unknown"},
		{"bad mask type", "m.json", `{"blends":[{"name":"a","input1":"x","input2":"y","method":"layer","mask":3,"output":"o"}]}`, 0, "mask", "preset name"},
		{"both input styles", "m.yaml", blendLine(", inputs: [p, q]"), 0, "inputs", "not both"},
		{"output overwrites input", "m.yaml", "blends:\n  - {name: a, input1: x.fbx, input2: y.fbx, method: mix, output: y.fbx}\n", 0, "output", "overwrite"},
		{"path not a string", "m.yaml", "blends:\n  - {name: a, input1: 12, input2: y, method: mix, output: o}\n", 0, "input1", "got a number, want a string"},
		{"blends not a list", "m.yaml", "blends: {name: a}\n", -1, "blends", "want a list"},
		{"bad format", "m.yaml", blendLine(", format: obj"), 0, "format", "unknown"},
		{"duplicate names", "m.yaml", original + "  - {name: walk_to_run, input1: x, input2: y, method: mix, output: other.fbx}\n", 1, "name", "duplicate of blends[0]"},
		{"duplicate outputs", "m.yaml", original + "  - {name: b, input1: x, input2: y, method: mix, output: blend/./walk_run.fbx}\n", 1, "output", "also written by blends[0]"},
		{"no blends", "m.yaml", "blends: []\n", -1, "blends", "missing"},
		{"empty file", "m.yaml", "", -1, "blends", "missing"},
		{"bad yaml", "m.yaml", "blends: [\n", -1, "", "invalid YAML"},
		{"duplicate yaml key", "m.yaml", "blends:\n  - {name: a, name: b, input1: x, input2: y, method: mix, output: o}\n", -1, "", "invalid YAML"},
		{"bad json", "m.json", `{"blends": [}`, -1, "", "invalid JSON"},
		{"name too long", "m.yaml", "blends:\n  - {name: " + strings.Repeat("n", MaxNameLen+1) + ", input1: x, input2: y, method: mix, output: o}\n", 0, "name", "exceeds the limit"},
		{"too big", "m.yaml", strings.Repeat("#", MaxManifestBytes+1), -1, "", "exceeds the limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseManifest([]byte(tt.data), tt.file)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v, want *batch.Error", err)
			}
			if e.Index != tt.index || e.Field != tt.field || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("got index %d field %q: %v\nwant index %d field %q containing %q", e.Index, e.Field, err, tt.index, tt.field, tt.msg)
			}
			if !strings.HasPrefix(err.Error(), tt.file+": ") {
				t.Errorf("message %q does not name the manifest", err)
			}
		})
	}
}

func TestParseManifestOptionErrorKept(t *testing.T) {
	t.Parallel()
	_, err := ParseManifest([]byte("blends:\n  - {name: a, input1: x, input2: y, method: mix, ratio: -1, output: o}\n"), "m.yaml")
	var oe *blend.OptionError
	if !errors.As(err, &oe) || oe.Field != "ratio" {
		t.Fatalf("error %v does not carry the blend.OptionError", err)
	}
	if want := "m.yaml: blends[0] (a): ratio:"; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("message %q, want prefix %q", err, want)
	}
}

func TestParseManifestReportsSeveral(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("blends:\n")
	for i := 0; i < 50; i++ {
		fmt.Fprintf(&b, "  - {name: b%d, input1: x, method: mix, output: o%d}\n", i, i)
	}
	_, err := ParseManifest([]byte(b.String()), "m.yaml")
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok || len(joined.Unwrap()) != maxErrors {
		t.Fatalf("error %v, want %d joined errors", err, maxErrors)
	}
}

func TestParseManifestTooManyBlends(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString(`{"blends":[`)
	for i := 0; i <= MaxBlends; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{}`)
	}
	b.WriteString("]}")
	_, err := ParseManifest([]byte(b.String()), "m.json")
	var e *Error
	if !errors.As(err, &e) || e.Field != "blends" || !strings.Contains(e.Msg, "limit") {
		t.Fatalf("error %v, want the blend-count limit", err)
	}
}

// FuzzParseManifest: any input gives a manifest that validates or an *Error, never a panic.
func FuzzParseManifest(f *testing.F) {
	f.Add([]byte(original), "m.yaml")
	f.Add([]byte(`{"blends":[{"name":"a","inputs":["x","y","z"],"method":"blendspace","positions":[0,1,2],"output":"o"}]}`), "m.json")
	f.Add([]byte("blends:\n  - &a {name: a, input1: x, input2: y, method: mix, output: o}\n  - *a\n"), "m.yaml")
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		m, err := ParseManifest(data, name)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not a *batch.Error", err)
			}
			return
		}
		if err := m.Validate(); err != nil {
			t.Fatalf("parsed manifest does not validate: %v", err)
		}
	})
}

func TestParseManifestEdits(t *testing.T) {
	t.Parallel()
	m, err := ParseManifest([]byte(`blends:
  - name: punch_left
    input1: seed/punch_right.fbx
    method: edit
    mirror: true
    speed: 1.5
    trim_start_frame: 3
    loop_find: true
    root_motion: root
    output: blend/punch_left.fbx
`), "m.yaml")
	if err != nil {
		t.Fatal(err)
	}
	b := m.Blends[0]
	if got := b.Sources(); len(got) != 1 || got[0] != "seed/punch_right.fbx" {
		t.Errorf("sources %v", got)
	}
	if !b.Mirror || b.Speed == nil || *b.Speed != 1.5 || b.TrimStartFrame == nil || *b.TrimStartFrame != 3 || !b.LoopFind || b.RootMotion != "root" {
		t.Errorf("edits %+v", b.Options)
	}
	_, err = ParseManifest([]byte(`blends:
  - name: bad
    input1: seed/a.fbx
    method: edit
    root_motion: pelvis
    output: blend/b.fbx
`), "m.yaml")
	var e *Error
	if !errors.As(err, &e) || e.Field != "root_motion" {
		t.Errorf("bad root_motion: %v", err)
	}
	_, err = ParseManifest([]byte(`blends:
  - name: one
    input1: seed/a.fbx
    output: blend/b.fbx
`), "m.yaml")
	if !errors.As(err, &e) || e.Field != "input2" {
		t.Errorf("a mix of one clip: %v", err)
	}
}
