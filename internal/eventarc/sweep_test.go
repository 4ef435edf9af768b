//go:build corpus

package eventarc_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/corpus"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// TestFuzzCorpusSweep uploads every file of the ufbx fuzz corpus and
// delivers its event to the validate service over HTTP: each is answered
// 2xx and ends as exactly one rejected copy with its reason, or as a seed.
func TestFuzzCorpusSweep(t *testing.T) {
	if testing.Short() {
		t.Skip("uploads the whole fuzz corpus")
	}
	dir := corpus.Path(t, "ufbx/fuzz")
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("fuzz corpus: %d files, %v", len(files), err)
	}
	env := pipelinetest.New(t, "localdir")
	p := env.P
	v, _, _ := serve(t, p)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		pipelinetest.Put(t, p.Uploads, filepath.Base(f), data)
	}
	for _, ev := range env.Events.Take() {
		if code := pipelinetest.Send(t, v, ev); code/100 != 2 {
			t.Fatalf("%s: HTTP %d", ev.Object.Name, code)
		}
	}
	lib := pipelinetest.Names(t, p.Library)
	reasons := map[pipeline.Reason]int{}
	seeds := 0
	for _, f := range files {
		base := library.RejectedPrefix + filepath.Base(f)
		_, copied := lib[base]
		_, reasoned := lib[base+library.ErrorSuffix]
		if copied != reasoned {
			t.Errorf("%s: copy %v, reason %v: half-written", base, copied, reasoned)
			continue
		}
		if !copied {
			seeds++
			continue
		}
		body, _, err := storage.ReadAll(t.Context(), p.Library, base+library.ErrorSuffix, nil)
		if err != nil {
			t.Fatal(err)
		}
		var r pipeline.Rejection
		if err := json.Unmarshal(body, &r); err != nil || r.Reason == "" || r.Message == "" {
			t.Errorf("%s: reason %s, %v", base, body, err)
		}
		reasons[r.Reason]++
	}
	seedObjects := 0
	for name := range lib {
		if strings.HasPrefix(name, library.SeedPrefix) {
			seedObjects++
		}
	}
	if seedObjects > seeds {
		t.Errorf("%d seed objects for %d accepted files", seedObjects, seeds)
	}
	var summary []string
	for r, n := range reasons {
		summary = append(summary, string(r)+"="+strconv.Itoa(n))
	}
	sort.Strings(summary)
	t.Logf("%d files: %d seeded, rejected %s", len(files), seeds, strings.Join(summary, " "))
}
