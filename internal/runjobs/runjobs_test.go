package runjobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sethvargo/go-envconfig"
	"golang.org/x/oauth2"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/localdir"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/runjobs"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

const (
	testJob   = "projects/p/locations/europe-west1/jobs/blendpipe-dev-batch"
	testToken = "ya29.test-token"
)

// fakeRun serves the Cloud Run Admin API v2 method projects.locations.jobs.run
// as documented at
// https://cloud.google.com/run/docs/reference/rest/v2/projects.locations.jobs/run:
// POST https://run.googleapis.com/v2/{name}:run with a JSON RunJobRequest,
// answered by a google.longrunning.Operation whose metadata is the
// google.cloud.run.v2.Execution it started (the method's operation_info),
// and by Google's JSON error body otherwise
// (https://cloud.google.com/apis/design/errors#http_mapping).
type fakeRun struct {
	mu sync.Mutex
	// fail, when set, answers the calls itself when it returns true.
	fail     func(w http.ResponseWriter) bool
	requests []runjobs.RunRequest
}

// setFail sets fail under the lock the handler reads it with: a dropped
// connection's handler may still be running when a test changes it.
func (f *fakeRun) setFail(fail func(w http.ResponseWriter) bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = fail
}

func (f *fakeRun) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.Method != http.MethodPost || r.URL.Path != "/v2/"+testJob+":run" {
		googleError(w, http.StatusNotFound, "NOT_FOUND", fmt.Sprintf("%s %s: no such method", r.Method, r.URL.Path))
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+testToken {
		googleError(w, http.StatusUnauthorized, "UNAUTHENTICATED", "Request had invalid authentication credentials.")
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		googleError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "content type "+ct)
		return
	}
	if f.fail != nil && f.fail(w) {
		return
	}
	var req runjobs.RunRequest
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields() // only the documented fields
	if err := dec.Decode(&req); err != nil {
		googleError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "Invalid JSON payload received. "+err.Error())
		return
	}
	f.requests = append(f.requests, req)
	n := len(f.requests)
	execution := fmt.Sprintf("%s/executions/blendpipe-dev-batch-%05d", testJob, n)
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	fmt.Fprintf(w, `{
  "name": "projects/p/locations/europe-west1/operations/0c1e-%d",
  "metadata": {
    "@type": "type.googleapis.com/google.cloud.run.v2.Execution",
    "name": %q,
    "uid": "5d1f",
    "generation": "1",
    "createTime": "2026-12-07T14:00:00.000000Z",
    "job": "blendpipe-dev-batch",
    "parallelism": 8,
    "taskCount": %d,
    "reconciling": true
  }
}`, n, execution, req.Overrides.TaskCount)
}

func (f *fakeRun) calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.requests)
}

func googleError(w http.ResponseWriter, code int, status, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(code)
	fmt.Fprintf(w, `{"error": {"code": %d, "message": %q, "status": %q}}`, code, msg, status)
}

type env struct {
	api  *fakeRun
	jobs *runjobs.Jobs
	lib  storage.Store
	now  time.Time
}

func newEnv(t *testing.T) *env {
	t.Helper()
	lib, err := localdir.Open(filepath.Join(t.TempDir(), "library"), localdir.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	api := &fakeRun{}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	cfg, err := runjobs.LoadConfig(context.Background(), envconfig.MapLookuper(map[string]string{"CLOUDRUN_JOB": testJob}))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{api: api, lib: lib, now: time.Date(2026, 12, 7, 14, 0, 0, 0, time.UTC)}
	hc := oauth2.NewClient(context.Background(), oauth2.StaticTokenSource(&oauth2.Token{AccessToken: testToken, TokenType: "Bearer"}))
	e.jobs = &runjobs.Jobs{HTTP: hc, Base: srv.URL + "/", Config: cfg, Library: lib, Log: pipelinetest.Logger(t),
		Now: func() time.Time { return e.now }}
	return e
}

func testShardJob() pipeline.ShardJob {
	return pipeline.ShardJob{Bucket: "library", Manifest: "jobs/walk_run.yaml", Generation: 1712345678901234, Shards: 3,
		Blends: 250, CorrelationID: "evt-42"}
}

func (e *env) claim(t *testing.T, manifest string) runjobs.Claim {
	t.Helper()
	data, _, err := storage.ReadAll(context.Background(), e.lib, library.RunClaimName(manifest), nil)
	if err != nil {
		t.Fatal(err)
	}
	var c runjobs.Claim
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestRunRequest checks what the adapter sends: the documented path and
// method, the bearer token, and overrides giving one task per shard, the
// worker's batch command on the manifest, its environment and the task
// timeout as a Duration ("3600s").
func TestRunRequest(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	job := testShardJob()
	if err := e.jobs.StartShards(context.Background(), job); err != nil {
		t.Fatal(err)
	}
	if e.api.calls() != 1 {
		t.Fatalf("%d calls to jobs.run, want 1", e.api.calls())
	}
	got, _ := json.Marshal(e.api.requests[0])
	want := `{"overrides":{"containerOverrides":[{"name":"shard",` +
		`"args":["batch","--shards","3","--json","gs://library/jobs/walk_run.yaml"],` +
		`"env":[{"name":"GCS_BUCKET","value":"library"},{"name":"MANIFEST","value":"gs://library/jobs/walk_run.yaml"},` +
		`{"name":"MANIFEST_GENERATION","value":"1712345678901234"},` +
		`{"name":"CORRELATION_ID","value":"evt-42"}]}],"taskCount":3,"timeout":"3600s"}}`
	if string(got) != want {
		t.Errorf("request\n %s\nwant\n %s", got, want)
	}
	c := e.claim(t, job.Manifest)
	if c.RunKey != runjobs.RunKey("library", "jobs/walk_run.yaml", 1712345678901234) || c.Execution != testJob+"/executions/blendpipe-dev-batch-00001" || c.Operation != "projects/p/locations/europe-west1/operations/0c1e-1" ||
		c.Shards != 3 || c.Generation != job.Generation || c.Job != testJob || !c.Claimed.Equal(e.now) {
		t.Errorf("claim %+v", c)
	}
}

// TestRedeliveryStartsNothing: the same manifest generation's event again,
// once or many times at once, starts one execution in all.
func TestRedeliveryStartsNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	job := testShardJob()
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() { errs[i] = e.jobs.StartShards(ctx, job) })
	}
	wg.Wait()
	if e.api.calls() != 1 {
		t.Fatalf("%d executions for 8 deliveries at once, want 1", e.api.calls())
	}
	for i, err := range errs {
		if err != nil && !errors.Is(err, runjobs.ErrStarting) {
			t.Errorf("delivery %d: %v, want nil or ErrStarting", i, err)
		}
	}
	// Redelivered later, each finds the execution.
	for range 3 {
		if err := e.jobs.StartShards(ctx, job); err != nil {
			t.Fatal(err)
		}
	}
	if e.api.calls() != 1 {
		t.Fatalf("%d executions after redeliveries, want 1", e.api.calls())
	}
	// A new generation of the manifest is a new run.
	job.Generation++
	if err := e.jobs.StartShards(ctx, job); err != nil {
		t.Fatal(err)
	}
	if c := e.claim(t, job.Manifest); e.api.calls() != 2 || c.Generation != job.Generation || !strings.HasSuffix(c.Execution, "-00002") {
		t.Fatalf("%d executions, claim %+v after a new generation", e.api.calls(), c)
	}
}

// TestRefusedRunIsRetried: a 4xx answer started nothing, so its error goes
// back for the event to be redelivered, and the redelivery runs.
func TestRefusedRunIsRetried(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.api.setFail(func(w http.ResponseWriter) bool {
		googleError(w, http.StatusForbidden, "PERMISSION_DENIED",
			"Permission 'run.jobs.runWithOverrides' denied on resource '"+testJob+"' (or it may not exist).")
		return true
	})
	ctx := context.Background()
	err := e.jobs.StartShards(ctx, testShardJob())
	var api *runjobs.APIError
	if !errors.As(err, &api) || api.HTTPStatus != 403 || api.Status != "PERMISSION_DENIED" ||
		!strings.Contains(err.Error(), "run.jobs.runWithOverrides") || !strings.Contains(err.Error(), testJob) {
		t.Fatalf("error %v, want the API's PERMISSION_DENIED naming the job", err)
	}
	if _, err := e.lib.Stat(ctx, library.RunClaimName(testShardJob().Manifest), nil); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("claim after a refusal: %v, want it released", err)
	}
	e.api.setFail(nil)
	if err := e.jobs.StartShards(ctx, testShardJob()); err != nil || e.api.calls() != 1 {
		t.Fatalf("redelivery: %v, %d executions", err, e.api.calls())
	}
}

// TestUnansweredRunHoldsTheClaim: without an answer the execution may have
// started; a redelivery within the claim's TTL waits, one after it takes
// the claim over and runs.
func TestUnansweredRunHoldsTheClaim(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		fail func(w http.ResponseWriter) bool
	}{
		{"connection dropped", func(w http.ResponseWriter) bool {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return true
		}},
		{"server error", func(w http.ResponseWriter) bool {
			googleError(w, http.StatusServiceUnavailable, "UNAVAILABLE", "The service is currently unavailable.")
			return true
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.api.setFail(tt.fail)
			ctx := context.Background()
			if err := e.jobs.StartShards(ctx, testShardJob()); err == nil {
				t.Fatal("no error")
			}
			e.api.setFail(nil)
			e.now = e.now.Add(runjobs.DefaultClaimTTL - time.Second)
			if err := e.jobs.StartShards(ctx, testShardJob()); !errors.Is(err, runjobs.ErrStarting) || e.api.calls() != 0 {
				t.Fatalf("within the TTL: %v, %d executions; want ErrStarting and none", err, e.api.calls())
			}
			e.now = e.now.Add(2 * time.Second)
			if err := e.jobs.StartShards(ctx, testShardJob()); err != nil || e.api.calls() != 1 {
				t.Fatalf("after the TTL: %v, %d executions; want one", err, e.api.calls())
			}
		})
	}
}

// TestBadAnswers: answers that are not an Operation are errors saying so,
// and a failed operation is one naming it.
func TestBadAnswers(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, body, want string
	}{
		{"not JSON", "<html>oops</html>", "not an Operation"},
		{"no name", `{"done": false}`, "no name"},
		{"failed", `{"name": "projects/p/locations/l/operations/9", "done": true, "error": {"code": 8, "message": "quota exceeded"}}`, "operation projects/p/locations/l/operations/9 failed: code 8: quota exceeded"},
		{"too long", `{"name": "` + strings.Repeat("x", runjobs.MaxResponseBytes) + `"}`, "answer over"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.api.setFail(func(w http.ResponseWriter) bool {
				io.WriteString(w, tt.body)
				return true
			})
			if err := e.jobs.StartShards(context.Background(), testShardJob()); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestBadShardCount(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, n := range []int{0, runjobs.MaxTasks + 1} {
		job := testShardJob()
		job.Shards = n
		if err := e.jobs.StartShards(context.Background(), job); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%d shards", n)) {
			t.Errorf("%d shards: %v", n, err)
		}
	}
	if e.api.calls() != 0 {
		t.Errorf("%d calls", e.api.calls())
	}
}

func TestLoadConfig(t *testing.T) {
	t.Parallel()
	c, err := runjobs.LoadConfig(context.Background(), envconfig.MapLookuper(map[string]string{"CLOUDRUN_JOB": testJob}))
	if err != nil || c.Job != testJob || c.TaskTimeoutSeconds != 3600 {
		t.Fatalf("%+v, %v", c, err)
	}
	for _, tt := range []struct{ v, value string }{
		{"CLOUDRUN_JOB", ""},
		{"CLOUDRUN_JOB", "blendpipe-dev-batch"},
		{"CLOUDRUN_JOB", "projects/p/locations/l/jobs/Batch_Job"},
		{"CLOUDRUN_TASK_TIMEOUT_SECONDS", "0"},
		{"CLOUDRUN_TASK_TIMEOUT_SECONDS", "604801"},
		{"CLOUDRUN_TASK_TIMEOUT_SECONDS", "1h"},
	} {
		t.Run(tt.v+"="+tt.value, func(t *testing.T) {
			env := map[string]string{"CLOUDRUN_JOB": testJob, tt.v: tt.value}
			if _, err := runjobs.LoadConfig(context.Background(), envconfig.MapLookuper(env)); err == nil || !strings.Contains(err.Error(), tt.v) {
				t.Fatalf("error %v, want one naming %s", err, tt.v)
			}
		})
	}
}
