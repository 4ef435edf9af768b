//go:build corpus

package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/httpapi"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
)

// TestPostRetarget carries another character's walk onto the X Bot of a seed through the API:
// the answer reports the joints the X Bot has no match for, by name, and the blend is listed
// under method retarget.
func TestPostRetarget(t *testing.T) {
	env := pipelinetest.New(t, "localdir")
	_, xbotRun := seedLibrary(t, env)
	v, err := env.P.Validate(context.Background(), pipelinetest.Put(t, env.P.Uploads, "PirateWalk.fbx",
		pipelinetest.Corpus(t, "mixamo/vrm4-pirate76__Walking_rootmotion.fbx")), "")
	if err != nil {
		t.Fatal(err)
	}
	h := (&httpapi.API{P: env.P, Log: pipelinetest.Logger(t)}).Handler()
	code, res, _ := do(t, h, "POST", "/blend", `{"a": "`+v.Object+`", "b": "`+xbotRun+`", "method": "retarget", "foot_lock": true, "format": "glb"}`)
	if code != http.StatusCreated {
		t.Fatalf("POST retarget: HTTP %d %v", code, res)
	}
	rt, _ := res["retarget"].(map[string]any)
	unmapped, _ := rt["unmapped"].([]any)
	if len(unmapped) == 0 || !strings.HasPrefix(res["output"].(string), "blend/"+strings.Split(xbotRun, "/")[1]+"/") {
		t.Errorf("answer %v: want the unmapped joints named and the blend under the X Bot's rig", res)
	}
	syncAll(t, env)
	code, list, _ := do(t, h, "GET", "/blends?method=retarget", "")
	if blends, _ := list["blends"].([]any); code != http.StatusOK || len(blends) != 1 {
		t.Errorf("GET /blends?method=retarget: HTTP %d %v", code, list)
	}
	code, bad, _ := do(t, h, "POST", "/blend", `{"a": "`+v.Object+`", "method": "retarget"}`)
	if code != http.StatusBadRequest || bad["field"] != "b" {
		t.Errorf("POST a retarget of one input: HTTP %d %v", code, bad)
	}
}
