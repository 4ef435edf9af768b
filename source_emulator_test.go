//go:build corpus && emulator

package blendpipe

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/bq"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/bq/bqtest"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
)

// TestSourceDeployCatalog starts metasync (FUNCTION_TARGET=Sync) and blend
// from the source deploy's binary over fake-gcs-server and the BigQuery
// emulator (BIGQUERY_EMULATOR_HOST): metasync catalogues the seeds the
// source deploy's validate filed, from their CloudEvents in both content
// modes, and blend's API, on the port of its probes, blends two of them.
func TestSourceDeployCatalog(t *testing.T) {
	bin := build(t, "source", "functions.local/app")
	endpoint, client := bqtest.Start(t, "test-project", "RAW_DEV")
	ctx := context.Background()
	cat := bq.New(client, "RAW_DEV", bq.Options{})
	if err := cat.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	g := newGCS(t)
	lib := g.store("library")
	bqEnv := []string{"BQ_PROJECT=test-project", "BQ_DATASET=RAW_DEV", "BIGQUERY_EMULATOR_HOST=" + strings.TrimPrefix(endpoint, "http://")}

	v := start(t, bin, "Validate", g)
	for name, file := range map[string]string{"Walking.fbx": "mixamo/kirby-xbot60__Walking_InPlace.fbx", "Idle.fbx": "mixamo/kirby-xbot60__Idle.fbx"} {
		up := pipelinetest.Put(t, g.store("uploads"), name, pipelinetest.Corpus(t, file))
		if code := send(t, v.base+"/", up, false); code != http.StatusNoContent {
			t.Fatalf("validate %s: HTTP %d", name, code)
		}
	}
	seeds := names(t, lib, library.SeedPrefix)
	if len(seeds) != 2 {
		t.Fatalf("seeds %v", seeds)
	}

	m := start(t, bin, "Sync", g, bqEnv...)
	if code, body := get(t, m.base+"/ready"); code != http.StatusOK || !strings.Contains(body, `"catalog":"ok"`) {
		t.Errorf("metasync GET /ready: HTTP %d %s", code, body)
	}
	for i, name := range seeds {
		a, err := lib.Stat(ctx, name, nil)
		if err != nil {
			t.Fatal(err)
		}
		if code := send(t, m.base+"/", a, i == 0); code != http.StatusNoContent {
			t.Errorf("metasync %s: HTTP %d", name, code)
		}
	}
	rows, err := cat.Current(ctx, catalog.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Kind != catalog.KindSeed || rows[1].Kind != catalog.KindSeed {
		t.Errorf("catalogue %+v, want the two seeds", rows)
	}

	b := start(t, bin, "Blend", g, bqEnv...)
	body := `{"a": "` + seeds[0] + `", "b": "` + seeds[1] + `", "method": "mix", "ratio": 0.5, "format": "fbx"}`
	resp, err := http.Post(b.base+"/blend", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	err = json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /blend: HTTP %d %v, %v", resp.StatusCode, out, err)
	}
	if blends := names(t, lib, library.BlendPrefix); len(blends) == 0 || !strings.HasPrefix(out["output"].(string), library.BlendPrefix) {
		t.Errorf("blend answered %v; library blends %v", out, blends)
	}
	if code, metrics := get(t, b.base+"/metrics"); code != http.StatusOK || !strings.Contains(metrics, "blend_requests_total") {
		t.Errorf("blend GET /metrics: HTTP %d without blend_requests_total", code)
	}

	for _, s := range []*service{v, m, b} {
		if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if code := s.exit(t, 10*time.Second); code != 0 {
			t.Errorf("%s: exit status %d after SIGTERM, want 0", s.target, code)
		}
	}
}
