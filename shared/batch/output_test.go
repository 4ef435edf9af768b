package batch

import (
	"errors"
	"testing"
)

// The output options (rename, max_error_cm, vertex_distance_cm) come through manifests as
// every other blend option does, checked the same way.
func TestParseManifestOutputOptions(t *testing.T) {
	t.Parallel()
	m, err := ParseManifest([]byte("blends:\n  - {name: a, input1: x.fbx, input2: y.fbx, method: mix, output: o.glb, rename: ue5, max_error_cm: 0.5, vertex_distance_cm: 3}\n"), "m.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if b := m.Blends[0]; b.Rename != "ue5" || b.MaxErrorCM != 0.5 || b.VertexDistanceCM != 3 {
		t.Errorf("parsed %+v", b)
	}
	for _, tt := range []struct{ extra, field string }{
		{", rename: maya", "rename"},
		{", max_error_cm: -1", "max_error_cm"},
		{", max_error_cm: small", "max_error_cm"},
		{", vertex_distance_cm: 2", "vertex_distance_cm"},
	} {
		_, err := ParseManifest([]byte("blends:\n  - {name: a, input1: x.fbx, input2: y.fbx, method: mix, output: o.fbx"+tt.extra+"}\n"), "m.yaml")
		var e *Error
		if !errors.As(err, &e) || e.Field != tt.field {
			t.Errorf("%s: error %v, want one on %s", tt.extra, err, tt.field)
		}
	}
}
