//go:build corpus

package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/gcs"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// TestWorkerServesManifestEvents runs the worker Deployment's command over
// fake Cloud Storage: a manifest's CloudEvent runs the batch, other objects'
// events are acknowledged, and SIGTERM (the context) stops it cleanly.
func TestWorkerServesManifestEvents(t *testing.T) {
	client, host := fakeGCS(t, "uploads", "library")
	t.Setenv("STORAGE_EMULATOR_HOST", host)
	t.Setenv("GCS_BUCKET", "library")
	t.Setenv("LOG_LEVEL", "WARN")
	ctx := context.Background()
	p := &pipeline.Pipeline{Uploads: gcs.New(client, "uploads", gcs.Options{}), Library: gcs.New(client, "library", gcs.Options{}),
		MaxFileSize: 500 << 20, Workers: 2, Log: slog.New(slog.DiscardHandler)}
	var seeds []string
	for _, c := range clips[:2] {
		v, err := p.Validate(ctx, pipelinetest.Put(t, p.Uploads, c+".fbx", pipelinetest.Corpus(t, "mixamo/kirby-xbot60__"+c+".fbx")), "")
		if err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, v.Object)
	}

	port := strconv.Itoa(pipelinetest.FreePort(t))
	env := map[string]string{"PORT": port, "STORAGE_EMULATOR_HOST": host}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	var out, errb bytes.Buffer
	done := make(chan int, 1)
	go func() { done <- run(runCtx, []string{"worker"}, func(k string) string { return env[k] }, &out, &errb) }()
	pipelinetest.WaitListening(t, "127.0.0.1:"+port)
	base := "http://127.0.0.1:" + port

	obj := pipelinetest.Put(t, p.Library, "jobs/w.json", []byte(fmt.Sprintf(
		`{"blends": [{"name": "a", "input1": %q, "input2": %q, "output": "blend/w/a.bvh"}, {"name": "b", "input1": %q, "input2": %q, "method": "transition", "output": "blend/w/b.glb"}]}`,
		seeds[0], seeds[1], seeds[1], seeds[0])))
	if code := pipelinetest.Send(t, base+"/", storage.Event{Type: storage.ObjectFinalized, Object: obj}); code/100 != 2 {
		t.Fatalf("manifest event: HTTP %d", code)
	}
	data, _, err := storage.ReadAll(ctx, p.Library, "jobs/w.result.json", nil)
	if err != nil || !bytes.Contains(data, []byte(`"ok": 2`)) {
		t.Fatalf("result %s, %v", data, err)
	}
	seed, err := p.Library.Stat(ctx, seeds[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	if code := pipelinetest.Send(t, base+"/", storage.Event{Type: storage.ObjectFinalized, Object: seed}); code/100 != 2 {
		t.Errorf("seed event: HTTP %d, want it acknowledged", code)
	}
	resp, err := http.Get(base + "/ready")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/ready: HTTP %d", resp.StatusCode)
	}

	stop()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("worker did not stop")
	}
}
