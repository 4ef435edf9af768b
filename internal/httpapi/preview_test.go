//go:build corpus

package httpapi_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/httpapi"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

func TestCatalogAnswersCarryPreviews(t *testing.T) {
	for _, backend := range pipelinetest.Backends {
		t.Run(backend, func(t *testing.T) {
			env := pipelinetest.New(t, backend)
			walk, run := seedLibrary(t, env)
			api := &httpapi.API{P: env.P, Log: pipelinetest.Logger(t)}
			if backend == "localdir" {
				api.FileURL = func(name string) string { return "/files/" + name }
			}
			h := api.Handler()
			code, res, _ := do(t, h, "POST", "/blend", `{"a": "`+walk+`", "b": "`+run+`", "method": "transition"}`)
			if code != http.StatusCreated {
				t.Fatalf("POST /blend: HTTP %d %v", code, res)
			}
			out := res["output"].(string)
			// What the blend service does on each object's event.
			for name := range pipelinetest.Names(t, env.P.Library) {
				obj, err := env.P.Library.Stat(context.Background(), name, nil)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := env.P.DrawPreview(context.Background(), obj, "test"); err != nil {
					t.Fatal(err)
				}
			}
			syncAll(t, env)

			code, one, _ := do(t, h, "GET", "/blends/"+strings.TrimPrefix(out, "blend/"), "")
			if code != http.StatusOK || one["preview"] != library.PreviewName(out) {
				t.Fatalf("GET /blends/{name}: HTTP %d %v; want preview %s", code, one, library.PreviewName(out))
			}
			u, _ := one["preview_url"].(string)
			if backend == "localdir" {
				if want := "/files/" + library.PreviewName(out); u != want || one["url"] != "/files/"+out || one["metrics_url"] != "/files/"+library.MetricsName(out) {
					t.Errorf("local URLs %v, %q, %v; want /files/%s, %s and the metric plot's", one["url"], u, one["metrics_url"], out, want)
				}
			} else {
				// A V4 URL of a short life, signed by the service account,
				// that fetches the picture from the emulator.
				pu, err := url.Parse(u)
				if err != nil {
					t.Fatalf("preview_url %q: %v", u, err)
				}
				q := pu.Query()
				if q.Get("X-Goog-Algorithm") != "GOOG4-RSA-SHA256" || !shortLived(q.Get("X-Goog-Expires")) ||
					!strings.HasPrefix(q.Get("X-Goog-Credential"), "pipeline@test-project.iam.gserviceaccount.com/") || q.Get("X-Goog-Signature") == "" {
					t.Errorf("preview_url %q is not a V4 signed URL of 15 minutes", u)
				}
				resp, err := http.Get(u)
				if err != nil {
					t.Fatal(err)
				}
				got, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				want, _, err := storage.ReadAll(context.Background(), env.P.Library, library.PreviewName(out), nil)
				if err != nil || resp.StatusCode != http.StatusOK || string(got) != string(want) {
					t.Errorf("preview_url: HTTP %d, %d bytes; want the picture's %d", resp.StatusCode, len(got), len(want))
				}
			}

			code, list, _ := do(t, h, "GET", "/seeds", "")
			seeds, _ := list["seeds"].([]any)
			if code != http.StatusOK || len(seeds) != 2 {
				t.Fatalf("GET /seeds: HTTP %d %v", code, list)
			}
			for _, s := range seeds {
				row := s.(map[string]any)
				if row["kind"] != "seed" || row["preview"] != library.PreviewName(row["name"].(string)) || row["preview_url"] == nil || row["metrics_url"] != nil {
					t.Errorf("seed %v", row)
				}
			}
			if code, list, _ := do(t, h, "GET", "/seeds?rig=nothing", ""); code != http.StatusOK || list["count"].(float64) != 0 {
				t.Errorf("GET /seeds?rig=nothing: HTTP %d %v", code, list)
			}
		})
	}
}

// shortLived reports whether X-Goog-Expires is SignedURLTTL, less the
// seconds lost between signing and the expiry's rounding.
func shortLived(expires string) bool {
	s, err := strconv.Atoi(expires)
	return err == nil && s <= int(httpapi.SignedURLTTL.Seconds()) && s >= int(httpapi.SignedURLTTL.Seconds())-5
}
