//go:build corpus

package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/httpapi"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/resilience"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// seedLibrary seeds two clips of one character and returns their names.
func seedLibrary(t *testing.T, env *pipelinetest.Env) (walk, run string) {
	t.Helper()
	ctx := context.Background()
	for i, f := range []string{"mixamo/kirby-xbot60__Walking_InPlace.fbx", "mixamo/kirby-xbot60__Running_InPlace.fbx"} {
		obj := pipelinetest.Put(t, env.P.Uploads, []string{"Walking.fbx", "Running.fbx"}[i], pipelinetest.Corpus(t, f))
		v, err := env.P.Validate(ctx, obj, "")
		if err != nil || v.Status != pipeline.StatusSeeded {
			t.Fatalf("%s: %+v %v", f, v, err)
		}
		if i == 0 {
			walk = v.Object
		} else {
			run = v.Object
		}
	}
	return walk, run
}

// syncAll appends the catalog rows of everything written so far.
func syncAll(t *testing.T, env *pipelinetest.Env) {
	t.Helper()
	for _, ev := range env.Events.Take() {
		if _, err := env.P.Sync(context.Background(), ev, "test"); err != nil {
			t.Fatal(err)
		}
	}
}

func do(t *testing.T, h http.Handler, method, target, body string) (int, map[string]any, http.Header) {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	var out map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
		t.Fatalf("%s %s: HTTP %d, body not JSON: %q", method, target, w.Code, w.Body.String())
	}
	return w.Code, out, w.Result().Header
}

func TestPostBlendTwiceIsCached(t *testing.T) {
	for _, backend := range pipelinetest.Backends {
		t.Run(backend, func(t *testing.T) {
			env := pipelinetest.New(t, backend)
			walk, run := seedLibrary(t, env)
			h := (&httpapi.API{P: env.P, Log: pipelinetest.Logger(t)}).Handler()
			body := `{"a": "` + walk + `", "b": "` + run + `", "method": "mix", "ratio": 0.5, "format": "fbx"}`
			code, first, hdr := do(t, h, "POST", "/blend", body)
			if code != http.StatusCreated {
				t.Fatalf("first POST: HTTP %d %v", code, first)
			}
			out, _ := first["output"].(string)
			if !strings.HasPrefix(out, "blend/") || first["cached"] != false || first["generation"] == nil ||
				first["metadata"] == nil || first["quality"] == nil || first["report"] == nil || hdr.Get("X-Correlation-ID") == "" {
				t.Errorf("first answer %v", first)
			}
			code, second, _ := do(t, h, "POST", "/blend", `{"sources": ["`+walk+`", "`+run+`"], "options": {"method": "linear"}}`)
			if code != http.StatusOK || second["cached"] != true || second["output"] != out || second["generation"] != first["generation"] {
				t.Errorf("second POST: HTTP %d %v", code, second)
			}

			// The catalog serves what the sync recorded.
			syncAll(t, env)
			code, list, _ := do(t, h, "GET", "/blends?method=mix&source="+url.QueryEscape(walk), "")
			blends, _ := list["blends"].([]any)
			if code != http.StatusOK || len(blends) != 1 || blends[0].(map[string]any)["name"] != out {
				t.Errorf("GET /blends: HTTP %d %v", code, list)
			}
			if code, list, _ := do(t, h, "GET", "/blends?method=layer", ""); code != http.StatusOK || list["count"].(float64) != 0 {
				t.Errorf("GET /blends?method=layer: HTTP %d %v", code, list)
			}
			code, one, _ := do(t, h, "GET", "/"+out[:len("blend")]+"s/"+strings.TrimPrefix(out, "blend/"), "")
			if code != http.StatusOK || one["name"] != out || one["method"] != "mix" {
				t.Errorf("GET /blends/{name}: HTTP %d %v", code, one)
			}
			if backend == "gcs" {
				// The signed URL fetches the blend itself.
				u, _ := one["url"].(string)
				resp, err := http.Get(u)
				if err != nil {
					t.Fatalf("signed URL %q: %v", u, err)
				}
				got, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				want, _, err := storage.ReadAll(context.Background(), env.P.Library, out, nil)
				if err != nil || resp.StatusCode != http.StatusOK || string(got) != string(want) {
					t.Errorf("signed URL %q: HTTP %d, %d bytes, want the blend's %d", u, resp.StatusCode, len(got), len(want))
				}
			} else if one["url"] != nil {
				t.Errorf("a local blend has a URL: %v", one["url"])
			}
			if code, _, _ := do(t, h, "GET", "/blends/nothing/here.fbx", ""); code != http.StatusNotFound {
				t.Errorf("GET of a missing blend: HTTP %d", code)
			}
		})
	}
}

func TestPostBlendErrors(t *testing.T) {
	env := pipelinetest.New(t, "localdir")
	walk, run := seedLibrary(t, env)
	h := (&httpapi.API{P: env.P, Log: pipelinetest.Logger(t)}).Handler()
	pair := `"a": "` + walk + `", "b": "` + run + `"`
	cases := []struct {
		name, body string
		status     int
		field      string
	}{
		{"malformed JSON", `{"a": `, 400, "body"},
		{"wrong type", `{` + pair + `, "ratio": "half"}`, 400, "ratio"},
		{"unknown field", `{` + pair + `, "tempo": 2}`, 400, "tempo"},
		{"missing b", `{"a": "` + walk + `"}`, 400, "b"},
		{"both forms", `{` + pair + `, "sources": ["` + walk + `"]}`, 400, "sources"},
		{"unknown method", `{` + pair + `, "method": "snn"}`, 400, "method"},
		{"ratio out of range", `{` + pair + `, "ratio": 1e308}`, 400, "ratio"},
		{"bad mask", `{` + pair + `, "method": "layer", "mask": 5}`, 400, "mask"},
		{"traversal", `{"a": "seed/../../etc/passwd", "b": "` + run + `"}`, 400, "sources[0]"},
		{"absolute", `{"a": "/etc/passwd", "b": "` + run + `"}`, 400, "sources[0]"},
		{"other prefix", `{"a": "jobs/x.yaml", "b": "` + run + `"}`, 400, "sources[0]"},
		{"bad format", `{` + pair + `, "format": "obj"}`, 400, "format"},
		{"missing source", `{"a": "seed/x/none.fbx", "b": "` + run + `"}`, 404, "sources[0]"},
		{"huge body", `{"name": "` + strings.Repeat("x", httpapi.MaxBodyBytes) + `"}`, 413, "body"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, _ := do(t, h, "POST", "/blend", tc.body)
			if code != tc.status || out["field"] != tc.field || out["error"] == "" {
				t.Errorf("HTTP %d %v, want %d naming %q", code, out, tc.status, tc.field)
			}
		})
	}
}

// downStore fails every operation as an unreachable GCS would.
type downStore struct{ storage.Store }

func (d downStore) Stat(_ context.Context, name string, _ *storage.ReadOptions) (storage.Attrs, error) {
	return storage.Attrs{}, &storage.Error{Op: "stat", Name: name, Kind: storage.ErrTransient, Err: io.ErrUnexpectedEOF}
}

func TestStorageDownIs503(t *testing.T) {
	env := pipelinetest.New(t, "localdir")
	walk, run := seedLibrary(t, env)
	p := *env.P
	p.Library = downStore{env.P.Library}
	h := (&httpapi.API{P: &p, Log: pipelinetest.Logger(t)}).Handler()
	code, out, hdr := do(t, h, "POST", "/blend", `{"a": "`+walk+`", "b": "`+run+`"}`)
	if code != http.StatusServiceUnavailable || hdr.Get("Retry-After") == "" || out["kind"] != "unavailable" {
		t.Errorf("HTTP %d %v (Retry-After %q)", code, out, hdr.Get("Retry-After"))
	}
}

// With a dependency's breaker open the API fails fast the same way: 503
// with Retry-After, for storage and for the catalog.
func TestBreakerOpenIs503(t *testing.T) {
	env := pipelinetest.New(t, "localdir")
	walk, run := seedLibrary(t, env)
	br := resilience.NewBreakers(resilience.BreakerSettings{Failures: 1, Timeout: time.Hour})
	p := *env.P
	p.Library = resilience.Store(downStore{env.P.Library}, resilience.StoreOptions{Breaker: br.GCS})
	p.Catalog = resilience.Catalog(env.P.Catalog, resilience.CatalogOptions{Breaker: br.BigQuery})
	br.BigQuery.Do(func() error { return &storage.Error{Kind: storage.ErrTransient} }) // trips it
	h := (&httpapi.API{P: &p, Log: pipelinetest.Logger(t)}).Handler()
	blend := `{"a": "` + walk + `", "b": "` + run + `"}`
	do(t, h, "POST", "/blend", blend) // the failure that opens the gcs breaker
	if br.GCS.State() != resilience.Open || br.BigQuery.State() != resilience.Open {
		t.Fatalf("breakers gcs %v, bigquery %v; want both open", br.GCS.State(), br.BigQuery.State())
	}
	for _, tc := range []struct{ method, target, body string }{
		{"POST", "/blend", blend},
		{"GET", "/blends", ""},
	} {
		code, out, hdr := do(t, h, tc.method, tc.target, tc.body)
		if code != http.StatusServiceUnavailable || hdr.Get("Retry-After") == "" || out["kind"] != "unavailable" {
			t.Errorf("%s %s: HTTP %d %v (Retry-After %q)", tc.method, tc.target, code, out, hdr.Get("Retry-After"))
		}
	}
}
