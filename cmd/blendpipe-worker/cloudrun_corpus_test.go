//go:build corpus

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"

	"github.com/sethvargo/go-envconfig"
	"golang.org/x/oauth2"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/gcs"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/runjobs"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// cloudRun stands in for the Cloud Run Admin API and the job's tasks: its
// jobs.run (https://cloud.google.com/run/docs/reference/rest/v2/projects.locations.jobs/run)
// starts taskCount processes of this binary with the job template's
// environment, the container override's arguments and environment, and
// CLOUD_RUN_TASK_INDEX, CLOUD_RUN_TASK_COUNT and CLOUD_RUN_TASK_ATTEMPT as
// Cloud Run sets them (https://cloud.google.com/run/docs/container-contract#jobs-env-vars),
// and answers with the Operation whose metadata is the Execution.
type cloudRun struct {
	t        *testing.T
	job      string
	template []string // the job's own environment
	mu       sync.Mutex
	runs     int
	tasks    []*exec.Cmd
	outs     []*bytes.Buffer
}

func (c *cloudRun) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v2/"+c.job+":run" || r.Header.Get("Authorization") != "Bearer test" {
		http.Error(w, `{"error": {"code": 404, "message": "not found", "status": "NOT_FOUND"}}`, http.StatusNotFound)
		return
	}
	var req runjobs.RunRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Overrides == nil || len(req.Overrides.ContainerOverrides) != 1 {
		http.Error(w, `{"error": {"code": 400, "message": "bad request", "status": "INVALID_ARGUMENT"}}`, http.StatusBadRequest)
		return
	}
	o := req.Overrides.ContainerOverrides[0]
	env := append(os.Environ(), helperEnv+"=1")
	env = append(env, c.template...)
	for _, e := range o.Env {
		env = append(env, e.Name+"="+e.Value)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.runs++
	execution := fmt.Sprintf("%s/executions/batch-%05d", c.job, c.runs)
	for i := range req.Overrides.TaskCount {
		cmd := exec.Command(os.Args[0], o.Args...)
		cmd.Env = append(env, "CLOUD_RUN_TASK_INDEX="+strconv.Itoa(i), "CLOUD_RUN_TASK_COUNT="+strconv.Itoa(req.Overrides.TaskCount),
			"CLOUD_RUN_TASK_ATTEMPT=0", "CLOUD_RUN_EXECUTION="+execution)
		out := &bytes.Buffer{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			c.t.Errorf("task %d: %v", i, err)
			continue
		}
		c.tasks, c.outs = append(c.tasks, cmd), append(c.outs, out)
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"name": "projects/p/locations/europe-west1/operations/op-%d", "metadata": {"@type": "type.googleapis.com/google.cloud.run.v2.Execution", "name": %q, "taskCount": %d}}`,
		c.runs, execution, req.Overrides.TaskCount)
}

func (c *cloudRun) wait() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, cmd := range c.tasks {
		if err := cmd.Wait(); err != nil {
			c.t.Errorf("task %d: %v\n%s", i, err, c.outs[i])
		}
	}
}

// TestCloudRunShardRun is the Cloud Run Jobs batch path on one machine:
// the blend service's batch use case shards a manifest in (fake) Cloud
// Storage and calls jobs.run, whose tasks are processes of the worker
// selecting their shard from CLOUD_RUN_TASK_INDEX; the last one in merges
// the result. The manifest's event delivered again while the tasks run
// starts no second execution.
func TestCloudRunShardRun(t *testing.T) {
	const n, shards = 24, 3
	ctx := context.Background()
	client, host := fakeGCS(t, "uploads", "library")
	p := &pipeline.Pipeline{Uploads: gcs.New(client, "uploads", gcs.Options{}), Library: gcs.New(client, "library", gcs.Options{}),
		MaxFileSize: 500 << 20, Workers: 2, Log: slog.New(slog.DiscardHandler)}
	var seeds []string
	for _, c := range clips[:4] {
		v, err := p.Validate(ctx, pipelinetest.Put(t, p.Uploads, c+".fbx", pipelinetest.Corpus(t, "mixamo/kirby-xbot60__"+c+".fbx")), "")
		if err != nil || v.Object == "" {
			t.Fatalf("seed %s: %+v, %v", c, v, err)
		}
		seeds = append(seeds, v.Object)
	}

	const job = "projects/p/locations/europe-west1/jobs/blendpipe-dev-batch"
	api := &cloudRun{t: t, job: job, template: []string{"STORAGE_EMULATOR_HOST=" + host, "LOG_FORMAT=json", "LOG_LEVEL=INFO", "WORKER_POOL_SIZE=1"}}
	srv := httptest.NewServer(api)
	defer srv.Close()
	cfg, err := runjobs.LoadConfig(ctx, envconfig.MapLookuper(map[string]string{"CLOUDRUN_JOB": job}))
	if err != nil {
		t.Fatal(err)
	}
	jobs := &runjobs.Jobs{HTTP: oauth2.NewClient(ctx, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "test"})), Base: srv.URL,
		Config: cfg, Library: p.Library, Log: pipelinetest.Logger(t)}
	p.Sharder = thresholds(n, shards).Sharder(jobs)

	obj := pipelinetest.Put(t, p.Library, "jobs/cloudrun.json", manifest(n, seeds))
	for range 2 { // the event and its redelivery
		if res, err := p.Batch(ctx, obj, "evt-cloudrun"); res != nil || err != nil {
			t.Fatalf("batch: %+v, %v; want it sharded", res, err)
		}
	}
	api.wait()
	if api.runs != 1 || len(api.tasks) != shards {
		t.Fatalf("%d executions with %d tasks, want 1 with %d", api.runs, len(api.tasks), shards)
	}
	for i, out := range api.outs {
		if !bytes.Contains(out.Bytes(), []byte(`"correlation_id":"evt-cloudrun"`)) {
			t.Errorf("task %d logged nothing under the manifest's correlation id:\n%.2000s", i, out)
		}
	}
	data, _, err := storage.ReadAll(ctx, p.Library, "jobs/cloudrun.result.json", nil)
	if err != nil {
		t.Fatalf("no merged result: %v", err)
	}
	var merged pipeline.BatchResult
	if err := json.Unmarshal(data, &merged); err != nil {
		t.Fatal(err)
	}
	if merged.Total != n || merged.OK != n || len(merged.Blends) != n || merged.CorrelationID != "evt-cloudrun" {
		t.Fatalf("merged: %d total, %d ok, %d failed, %d blends, correlation %q", merged.Total, merged.OK, merged.Failed, len(merged.Blends), merged.CorrelationID)
	}
	for i := range shards {
		if _, err := p.Library.Stat(ctx, library.ShardResultName("jobs/cloudrun.json", i), nil); err != nil {
			t.Errorf("shard %d summary: %v", i, err)
		}
	}
	claim, _, err := storage.ReadAll(ctx, p.Library, library.RunClaimName("jobs/cloudrun.json"), nil)
	if err != nil || !bytes.Contains(claim, []byte(job+"/executions/batch-00001")) {
		t.Errorf("claim %s, %v", claim, err)
	}
	// Once done, the event again reads the result and starts nothing.
	if res, err := p.Batch(ctx, obj, "evt-cloudrun"); err != nil || res == nil || res.OK != n || api.runs != 1 {
		t.Fatalf("after the run: %+v, %v, %d executions", res, err, api.runs)
	}
}
