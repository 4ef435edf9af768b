//go:build corpus

package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/httpapi"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/blend"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
)

// TestPostEdit edits one clip through the API (mirror, speed, root motion) and finds it in the
// catalog under its engine-safe clip name, with its label in the metadata.
func TestPostEdit(t *testing.T) {
	env := pipelinetest.New(t, "localdir")
	walk, _ := seedLibrary(t, env)
	h := (&httpapi.API{P: env.P, Log: pipelinetest.Logger(t)}).Handler()
	code, res, _ := do(t, h, "POST", "/blend", `{"a": "`+walk+`", "method": "edit", "mirror": true, "speed": 2, "root_motion": "root", "format": "glb"}`)
	if code != http.StatusCreated {
		t.Fatalf("POST edit: HTTP %d %v", code, res)
	}
	md, _ := res["metadata"].(map[string]any)
	label, _ := md[library.MetaLabel].(string)
	clip, _ := md[library.MetaClip].(string)
	if label == "" || clip != blend.SafeName(label) || !blend.IsSafeName(clip) {
		t.Errorf("label %q, clip %q", label, clip)
	}
	syncAll(t, env)
	code, list, _ := do(t, h, "GET", "/blends?method=edit", "")
	blends, _ := list["blends"].([]any)
	if code != http.StatusOK || len(blends) != 1 || blends[0].(map[string]any)["clip"] != clip || blends[0].(map[string]any)["label"] != label {
		t.Errorf("GET /blends?method=edit: HTTP %d %v", code, list)
	}
	code, bad, _ := do(t, h, "POST", "/blend", `{"a": "`+walk+`", "method": "edit", "speed": -1}`)
	if code != http.StatusBadRequest || bad["field"] != "speed" {
		t.Errorf("POST a bad speed: HTTP %d %v", code, bad)
	}
}
