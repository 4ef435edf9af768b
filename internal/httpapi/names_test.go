//go:build corpus

package httpapi_test

import (
	"bytes"
	"context"
	"maps"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/httpapi"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// TestObjectNamesStayUnderKnownPrefixes sends names that leave the
// library's prefixes (traversal, absolute paths, other buckets, other
// prefixes) as sources, outputs, catalog lookups and manifest outputs:
// each is refused naming the field, and nothing is written.
func TestObjectNamesStayUnderKnownPrefixes(t *testing.T) {
	for _, backend := range pipelinetest.Backends {
		t.Run(backend, func(t *testing.T) {
			env := pipelinetest.New(t, backend)
			walk, run := seedLibrary(t, env)
			h := (&httpapi.API{P: env.P, Log: pipelinetest.Logger(t)}).Handler()
			before := pipelinetest.Names(t, env.P.Library)
			pair := `"a": "` + walk + `", "b": "` + run + `"`
			for _, tc := range []struct{ name, body, field string }{
				{"source in another bucket", `{"a": "gs://other-bucket/` + walk + `", "b": "` + run + `"}`, "sources[0]"},
				{"source as a URL path", `{"a": "` + walk + `", "b": "/library/` + run + `"}`, "sources[1]"},
				{"source with a backslash", `{"a": "seed\\..\\..\\x.fbx", "b": "` + run + `"}`, "sources[0]"},
				{"source with an empty segment", `{"a": "seed//x.fbx", "b": "` + run + `"}`, "sources[0]"},
				{"source under rejected/", `{"a": "rejected/x.fbx", "b": "` + run + `"}`, "sources[0]"},
				{"output traversal", `{` + pair + `, "output": "blend/../seed/x.fbx"}`, "output"},
				{"output dot segment", `{` + pair + `, "output": "blend/./x.fbx"}`, "output"},
				{"output absolute", `{` + pair + `, "output": "/blend/x.fbx"}`, "output"},
				{"output in another bucket", `{` + pair + `, "output": "gs://other-bucket/blend/x.fbx"}`, "output"},
				{"output over a seed", `{` + pair + `, "output": "` + walk + `"}`, "output"},
				{"output under jobs/", `{` + pair + `, "output": "jobs/x.fbx"}`, "output"},
				{"output with a control character", `{` + pair + `, "output": "blend/a\u0000.fbx"}`, "output"},
			} {
				code, out, _ := do(t, h, "POST", "/blend", tc.body)
				if code != 400 || out["field"] != tc.field {
					t.Errorf("%s: HTTP %d %v, want 400 naming %q", tc.name, code, out, tc.field)
				}
			}
			// The mux cleans dot segments (a redirect to a path that is no
			// route); escaped ones reach the name check.
			for target, want := range map[string]int{"/blends/..%2Fseed%2Fx.fbx": 400, "/blends/a/../../seed/x.fbx": 307,
				"/blends/%2Fetc%2Fpasswd": 400, "/blends/..": 307} {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, httptest.NewRequest("GET", target, nil))
				if w.Code != want {
					t.Errorf("GET %s: HTTP %d %s, want %d", target, w.Code, w.Body, want)
				}
				if w.Code == 307 && strings.HasPrefix(w.Header().Get("Location"), "/blends/") {
					t.Errorf("GET %s: redirected to %s", target, w.Header().Get("Location"))
				}
			}

			// A manifest's outputs are placed under blend/, and may not climb out.
			manifest := "blends:\n" +
				"  - {name: up, input1: " + walk + ", input2: " + run + ", method: mix, output: ../seed/x.fbx}\n" +
				"  - {name: abs, input1: " + walk + ", input2: " + run + ", method: mix, output: /etc/x.fbx}\n" +
				"  - {name: other, input1: gs://other-bucket/" + walk + ", input2: " + run + ", method: mix, output: blend/other.fbx}\n"
			obj, err := env.P.Library.Put(context.Background(), "jobs/names.yaml", bytes.NewReader([]byte(manifest)), nil)
			if err != nil {
				t.Fatal(err)
			}
			res, err := env.P.Batch(context.Background(), obj, "")
			if err != nil {
				t.Fatal(err)
			}
			if res.Failed != 3 || res.OK != 0 {
				t.Fatalf("batch %+v: want the 3 blends refused", res)
			}
			for _, b := range res.Blends {
				if b.Kind != "invalid" || b.Error == "" {
					t.Errorf("blend %s: kind %q error %q, want invalid", b.Name, b.Kind, b.Error)
				}
			}
			after := pipelinetest.Names(t, env.P.Library)
			delete(after, "jobs/names.yaml")
			delete(after, library.ResultName("jobs/names.yaml"))
			if !maps.Equal(before, after) {
				t.Errorf("objects changed: before %v, after %v", before, after)
			}
			for name := range after {
				if err := storage.ValidateName(name); err != nil || strings.Contains(name, "..") {
					t.Errorf("object %q in the library", name)
				}
			}
		})
	}
}
