//go:build corpus

package httpapi_test

import (
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/httpapi"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
)

// The output options reach the API as blend options: refused naming the field, and reported
// in the answer when they shape the file.
func TestPostBlendOutputOptions(t *testing.T) {
	env := pipelinetest.New(t, "localdir")
	walk, run := seedLibrary(t, env)
	h := (&httpapi.API{P: env.P, Log: pipelinetest.Logger(t)}).Handler()
	pair := `"a": "` + walk + `", "b": "` + run + `"`
	for _, tc := range []struct{ name, body, field string }{
		{"unknown rename", `{` + pair + `, "rename": "maya"}`, "rename"},
		{"negative bound", `{` + pair + `, "max_error_cm": -1}`, "max_error_cm"},
		{"bound for bvh", `{` + pair + `, "format": "bvh", "max_error_cm": 1}`, "max_error_cm"},
	} {
		code, out, _ := do(t, h, "POST", "/blend", tc.body)
		if code != 400 || out["field"] != tc.field {
			t.Errorf("%s: HTTP %d %v, want 400 naming %q", tc.name, code, out, tc.field)
		}
	}
	code, out, _ := do(t, h, "POST", "/blend", `{`+pair+`, "format": "glb", "rename": "ue5", "max_error_cm": 0.5}`)
	if code != 201 {
		t.Fatalf("HTTP %d %v", code, out)
	}
	w, _ := out["written"].(map[string]any)
	c, _ := w["compression"].(map[string]any)
	r, _ := w["rename"].(map[string]any)
	if c == nil || r == nil || r["profile"] != "ue5" || c["max_error_cm"].(float64) > 0.5 || c["bytes_after"].(float64) >= c["bytes_before"].(float64) {
		t.Errorf("written %v", w)
	}
}
