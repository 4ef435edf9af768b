//go:build corpus

package blend

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

func post(t *testing.T, url, body string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("POST %s: HTTP %d, body not JSON: %v", url, resp.StatusCode, err)
	}
	return resp.StatusCode, out
}

// TestService serves the function's handler over fake-gcs-server (the
// source deploy's test at the module root serves it through
// functions-framework-go): the HTTP API and batch manifests arriving as
// CloudEvents on the same port.
func TestService(t *testing.T) {
	env := pipelinetest.New(t, "gcs")
	p := env.P
	ctx := context.Background()
	var seeds []string
	for name, file := range map[string]string{"Walking.fbx": "mixamo/kirby-xbot60__Walking_InPlace.fbx", "Idle.fbx": "mixamo/kirby-xbot60__Idle.fbx"} {
		v, err := p.Validate(ctx, pipelinetest.Put(t, p.Uploads, name, pipelinetest.Corpus(t, file)), "")
		if err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, v.Object)
	}
	srv := httptest.NewServer(Service(p, nil, pipelinetest.Logger(t)))
	t.Cleanup(srv.Close)
	base := srv.URL

	body := `{"a": "` + seeds[0] + `", "b": "` + seeds[1] + `", "method": "mix", "ratio": 0.5, "format": "fbx"}`
	code, first := post(t, base+"/blend", body)
	if code != http.StatusCreated || first["cached"] != false || !strings.HasPrefix(first["output"].(string), "blend/") {
		t.Fatalf("first POST /blend: HTTP %d %v", code, first)
	}
	code, second := post(t, base+"/blend", body)
	if code != http.StatusOK || second["cached"] != true || second["output"] != first["output"] || second["generation"] != first["generation"] {
		t.Errorf("second POST /blend: HTTP %d %v", code, second)
	}
	if code, bad := post(t, base+"/blend", `{"a": "`+seeds[0]+`", "b": "seed/none.fbx"}`); code != http.StatusNotFound || bad["field"] != "b" && bad["field"] != "sources[1]" {
		t.Errorf("missing source: HTTP %d %v", code, bad)
	}

	// A manifest under jobs/ arrives as a CloudEvent; its result file's
	// event is ignored.
	env.Events.Take()
	manifest := `{"blends": [{"name": "t", "input1": "` + seeds[1] + `", "input2": "` + seeds[0] + `", "method": "transition", "output": "blend/t.glb"}]}`
	pipelinetest.Put(t, p.Library, "jobs/t.json", []byte(manifest))
	for _, ev := range env.Events.Take() {
		if code := pipelinetest.Send(t, base+"/", ev); code/100 != 2 {
			t.Fatalf("%s: HTTP %d", ev.Object.Name, code)
		}
	}
	res, _, err := storage.ReadAll(ctx, p.Library, "jobs/t.result.json", nil)
	if err != nil {
		t.Fatal(err)
	}
	var r pipeline.BatchResult
	if err := json.Unmarshal(res, &r); err != nil || r.OK != 1 || r.Blends[0].Output != "blend/t.glb" {
		t.Fatalf("result %s, %v", res, err)
	}
	written := env.Events.Take()
	if len(written) != 2 {
		t.Errorf("batch wrote %d objects, want the blend and the result", len(written))
	}
	for _, ev := range written {
		if code := pipelinetest.Send(t, base+"/", ev); code/100 != 2 {
			t.Fatalf("%s: HTTP %d", ev.Object.Name, code)
		}
	}
	// The blend's pictures are the preview service's: its event writes
	// nothing here.
	if again := env.Events.Take(); len(again) != 0 {
		t.Errorf("the blend service wrote on its blend's event: %v", again)
	}
}
