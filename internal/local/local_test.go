//go:build corpus

package local

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
)

// eventually waits for cond, failing after 20 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func rows(t *testing.T, dir string) []catalog.Row {
	t.Helper()
	r, err := Rows(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestDroppedFilesBecomeSeedsRowsAndBlends(t *testing.T) {
	dir := t.TempDir()
	srv := start(t, options(t, dir))
	base := "http://" + srv.Addr()
	// Files dropped in by another process, as a user copying downloads.
	for name, file := range map[string]string{
		"Idle.fbx":      "mixamo/kirby-xbot60__Idle.fbx",
		"Walking.fbx":   "mixamo/kirby-xbot60__Walking_InPlace.fbx",
		"fuzz_0000.fbx": "ufbx/fuzz/fuzz_0000.fbx",
	} {
		if err := os.WriteFile(filepath.Join(dir, "uploads", name), pipelinetest.Corpus(t, file), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "two seed rows", func() bool { return len(rows(t, dir)) == 2 })
	eventually(t, "the rejection", func() bool {
		_, err := os.Stat(filepath.Join(dir, "library", "rejected", "fuzz_0000.fbx.error.json"))
		return err == nil
	})
	seeds := rows(t, dir)

	body := `{"a": "` + seeds[0].Name + `", "b": "` + seeds[1].Name + `", "method": "mix", "ratio": 0.5, "format": "fbx"}`
	var outputs []string
	for i, want := range []int{http.StatusCreated, http.StatusOK} {
		resp, err := http.Post(base+"/blend", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		var out struct {
			Output string `json:"output"`
			Cached bool   `json:"cached"`
		}
		err = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if err != nil || resp.StatusCode != want || out.Cached != (i == 1) || !strings.HasPrefix(out.Output, "blend/") {
			t.Fatalf("POST /blend #%d: HTTP %d %+v %v", i+1, resp.StatusCode, out, err)
		}
		outputs = append(outputs, out.Output)
	}
	eventually(t, "the blend's row", func() bool { return len(rows(t, dir)) == 3 })
	r := rows(t, dir)
	if r[0].Name != outputs[0] || r[0].Kind != catalog.KindBlend || !strings.HasPrefix(r[0].URI, "file://") {
		t.Errorf("blend row %+v", r[0])
	}

	// A manifest dropped into library/jobs runs once; its result is no manifest.
	manifest := "blends:\n  - name: t\n    input1: " + seeds[0].Name + "\n    input2: " + seeds[1].Name + "\n    method: transition\n    output: blend/t.fbx\n"
	if err := os.MkdirAll(filepath.Join(dir, "library", "jobs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "library", "jobs", "t.yaml"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the batch result", func() bool {
		_, err := os.Stat(filepath.Join(dir, "library", "jobs", "t.result.json"))
		return err == nil
	})
	eventually(t, "the batch blend's row", func() bool { return len(rows(t, dir)) == 4 })
	eventually(t, "an idle router", srv.Idle)

	for path, want := range map[string]int{"/live": 200, "/ready": 200, "/health": 200, "/blends?method=transition": 200, "/blends/t.fbx": 200} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s: HTTP %d", path, resp.StatusCode)
		}
	}
}
