//go:build corpus

package local

import (
	"bytes"
	"encoding/json"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/animfile"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
)

func get(t *testing.T, url string) (int, http.Header, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

func TestFilesAndViewer(t *testing.T) {
	dir := t.TempDir()
	srv := start(t, options(t, dir))
	base := "http://" + srv.Addr()
	if err := os.WriteFile(filepath.Join(dir, "uploads", "Walking.fbx"), pipelinetest.Corpus(t, "mixamo/kirby-xbot60__Walking_InPlace.fbx"), 0o644); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the seed's row", func() bool { return len(rows(t, dir)) == 1 })
	seed := rows(t, dir)[0]
	eventually(t, "the seed's preview", func() bool {
		_, err := os.Stat(filepath.Join(dir, "library", filepath.FromSlash(seed.Preview)))
		return err == nil
	})

	// The seed listing points at the files this server serves.
	code, _, body := get(t, base+"/seeds")
	var list struct {
		Seeds []struct {
			Name       string `json:"name"`
			Preview    string `json:"preview"`
			URL        string `json:"url"`
			PreviewURL string `json:"preview_url"`
		} `json:"seeds"`
	}
	if err := json.Unmarshal(body, &list); err != nil || code != http.StatusOK || len(list.Seeds) != 1 {
		t.Fatalf("GET /seeds: HTTP %d %s", code, body)
	}
	s := list.Seeds[0]
	if s.Preview != library.PreviewName(seed.Name) || s.URL != FileURL(seed.Name) || s.PreviewURL != FileURL(s.Preview) {
		t.Fatalf("seed entry %+v", s)
	}

	code, hdr, body := get(t, base+s.PreviewURL)
	if _, err := png.Decode(bytes.NewReader(body)); code != http.StatusOK || hdr.Get("Content-Type") != "image/png" || err != nil {
		t.Errorf("GET %s: HTTP %d %s, PNG: %v", s.PreviewURL, code, hdr.Get("Content-Type"), err)
	}
	code, hdr, body = get(t, base+s.URL)
	if want := pipelinetest.Corpus(t, "mixamo/kirby-xbot60__Walking_InPlace.fbx"); code != http.StatusOK || !bytes.Equal(body, want) {
		t.Errorf("GET %s: HTTP %d, %d bytes, want the seed's %d", s.URL, code, len(body), len(want))
	}
	// The same clip as GLB, for a browser's loader.
	code, hdr, body = get(t, base+s.URL+"?format=glb")
	if code != http.StatusOK || hdr.Get("Content-Type") != "model/gltf-binary" {
		t.Fatalf("GET %s?format=glb: HTTP %d %s %.200s", s.URL, code, hdr.Get("Content-Type"), body)
	}
	a, err := animfile.Decode("walking.glb", body)
	if err != nil || a.Clip() == nil || int64(a.Clip().Frames) != seed.Frames || len(a.Skeleton.Joints) != int(seed.JointCount) {
		t.Errorf("converted GLB: %v; want %d frames of %d joints", err, seed.Frames, seed.JointCount)
	}

	for path, want := range map[string]int{
		"/files/seed/%2e%2e/uploads/Walking.fbx": http.StatusBadRequest, // traversal
		"/files/seed/a%5Cb.fbx":                  http.StatusBadRequest, // backslash
		"/files/rejected/x.fbx":                  http.StatusNotFound,   // outside seeds and blends
		"/files/jobs/t.yaml":                     http.StatusNotFound,
		"/files/seed/none.fbx":                   http.StatusNotFound,
		"/files/" + s.Preview + "?format=glb":    http.StatusBadRequest, // not an animation
		"/files/" + seed.Name + "?format=fbx":    http.StatusBadRequest,
		"/viewer/":                               http.StatusOK,
		"/viewer/viewer.js":                      http.StatusOK,
		"/viewer/viewer.css":                     http.StatusOK,
		"/viewer/missing.js":                     http.StatusNotFound,
	} {
		if code, _, body := get(t, base+path); code != want {
			t.Errorf("GET %s: HTTP %d, want %d: %.200s", path, code, want, body)
		}
	}
	code, hdr, body = get(t, base+"/viewer")
	if code != http.StatusOK || !strings.Contains(string(body), "<title>Blend viewer</title>") || !strings.Contains(hdr.Get("Content-Security-Policy"), "default-src 'self'") {
		t.Errorf("GET /viewer: HTTP %d %s %.200s", code, hdr.Get("Content-Security-Policy"), body)
	}
	if _, hdr, _ := get(t, base+"/viewer/viewer.js"); !strings.HasPrefix(hdr.Get("Content-Type"), "text/javascript") {
		t.Errorf("viewer.js served as %q", hdr.Get("Content-Type"))
	}
}
