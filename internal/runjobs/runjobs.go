// Package runjobs runs the shards of heavy batch manifests as the tasks of a
// Cloud Run Job execution: one task per shard, each running the batch
// worker on shard CLOUD_RUN_TASK_INDEX (pipeline.RunShard), the last one in
// merging the result. It is the pipeline's JobStarter where no cluster is
// wanted, beside package kube's Indexed Jobs.
//
// An execution is started with the Cloud Run Admin API v2 method
// projects.locations.jobs.run
// (https://cloud.google.com/run/docs/reference/rest/v2/projects.locations.jobs/run),
// called as plain REST with the process's Google credentials: the gRPC
// client would add more to the blend service's image than everything else
// here.
//
// Cloud Run names executions itself, so a redelivered manifest event cannot
// be told apart by a name the way a Kubernetes Job's is. Instead the
// delivery that starts an execution first claims the run in the library
// bucket, creating jobs/<name>.shards/run.json under a does-not-exist
// precondition, and records the execution there once the API has answered.
// A later delivery of the same manifest generation finds the execution
// recorded and starts nothing.
package runjobs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/sethvargo/go-envconfig"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/config"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// Config is which Cloud Run Job runs the shards and for how long a task may
// run. Everything else about the tasks (image, account, resources,
// parallelism, retries) is the job's own, set where the job is deployed
// (terraform/modules/batch_job).
type Config struct {
	// Job is the job's full name, projects/P/locations/L/jobs/J.
	Job string `env:"CLOUDRUN_JOB"`
	// TaskTimeoutSeconds overrides the job's task timeout for each
	// execution: a shard of BATCH_BLENDS_PER_SHARD blends must fit in it.
	TaskTimeoutSeconds int64 `env:"CLOUDRUN_TASK_TIMEOUT_SECONDS, default=3600"`
}

// MaxTaskTimeout is the longest task timeout Cloud Run Jobs accept, 168
// hours (https://cloud.google.com/run/docs/configuring/task-timeout).
const MaxTaskTimeout = 168 * time.Hour

// MaxTasks is the most tasks an execution may have
// (https://cloud.google.com/run/docs/create-jobs: up to 10,000).
const MaxTasks = 10000

var jobName = regexp.MustCompile(`^projects/[^/]+/locations/[^/]+/jobs/[a-z]([-a-z0-9]{0,61}[a-z0-9])?$`)

// LoadConfig reads the configuration through l (the process environment
// when nil) and checks it; errors name the variable at fault.
func LoadConfig(ctx context.Context, l envconfig.Lookuper) (*Config, error) {
	c, err := config.Process[Config](ctx, l, "cloud run jobs configuration")
	if err != nil {
		return nil, err
	}
	return c, c.check()
}

func (c *Config) check() error {
	bad := func(v, format string, args ...any) error {
		return fmt.Errorf("cloud run jobs configuration: %s: %s", v, fmt.Sprintf(format, args...))
	}
	switch {
	case c.Job == "":
		return bad("CLOUDRUN_JOB", "required with BATCH_RUNNER=cloudrun: the job's name, projects/PROJECT/locations/REGION/jobs/NAME")
	case !jobName.MatchString(c.Job):
		return bad("CLOUDRUN_JOB", "%q: want projects/PROJECT/locations/REGION/jobs/NAME, NAME in lowercase letters, digits and dashes", c.Job)
	case c.TaskTimeoutSeconds < 1 || time.Duration(c.TaskTimeoutSeconds)*time.Second > MaxTaskTimeout:
		return bad("CLOUDRUN_TASK_TIMEOUT_SECONDS", "%d: want 1 to %d", c.TaskTimeoutSeconds, int64(MaxTaskTimeout/time.Second))
	}
	return nil
}

// API is the Cloud Run Admin API's base URL.
const API = "https://run.googleapis.com/"

// Container is the name of the job's container, which the overrides of
// each execution address (terraform/modules/batch_job names it so).
const Container = "shard"

// DefaultClaimTTL is how long a claim without a recorded execution holds
// off other deliveries: a start that died between its claim and the API's
// answer is taken over after it.
const DefaultClaimTTL = 10 * time.Minute

// ErrStarting is returned while another delivery of the same manifest
// event holds the claim and has not recorded its execution yet: the event
// is to be redelivered, and then finds the execution.
var ErrStarting = errors.New("the execution is being started by another delivery of the event")

// Jobs starts shard executions of one Cloud Run Job through the Admin API,
// claiming each run in the library bucket first.
type Jobs struct {
	// HTTP calls the API with credentials (oauth2.NewClient).
	HTTP *http.Client
	// Base is the API's base URL; API when empty.
	Base   string
	Config *Config
	// Library holds the claims: the bucket the shards are in.
	Library storage.Store
	Log     *slog.Logger
	// ClaimTTL is DefaultClaimTTL when zero; Now is time.Now when nil.
	ClaimTTL time.Duration
	Now      func() time.Time
}

// New returns Jobs calling the Admin API with the process's Google
// credentials (the blend service's account on Cloud Run).
func New(ctx context.Context, c *Config, lib storage.Store, log *slog.Logger) (*Jobs, error) {
	ts, err := google.DefaultTokenSource(ctx, "https://www.googleapis.com/auth/cloud-platform")
	if err != nil {
		return nil, fmt.Errorf("cloud run jobs: google credentials: %w", err)
	}
	return &Jobs{HTTP: oauth2.NewClient(ctx, ts), Config: c, Library: lib, Log: log}, nil
}

// Claim is the body of jobs/<name>.shards/run.json.
type Claim struct {
	// RunKey identifies the manifest generation the claim is for (RunKey).
	RunKey     string    `json:"run_key"`
	Manifest   string    `json:"manifest"`
	Generation int64     `json:"manifest_generation"`
	Job        string    `json:"job"`
	Shards     int       `json:"shards"`
	Claimed    time.Time `json:"claimed"`
	// Execution and Operation are set once the API has started the
	// execution; a claim without them is a start in progress, or one that
	// died before the answer.
	Execution string `json:"execution,omitempty"`
	Operation string `json:"operation,omitempty"`
}

// MaxClaimBytes bounds a claim read back from the bucket.
const MaxClaimBytes = 64 << 10

// RunKey names one generation of a manifest in one bucket: a redelivered
// event has the same key, a rewritten manifest a new one.
func RunKey(bucket, manifest string, generation int64) string {
	sum := sha256.Sum256([]byte(bucket + "/" + manifest + "#" + strconv.FormatInt(generation, 10)))
	return hex.EncodeToString(sum[:12])
}

// ManifestURL is the gs:// URL of the job's manifest, which the tasks run.
func ManifestURL(job pipeline.ShardJob) string { return "gs://" + job.Bucket + "/" + job.Manifest }

// StartShards starts one execution of the job with a task per shard,
// unless this manifest generation's execution was started already.
func (j *Jobs) StartShards(ctx context.Context, job pipeline.ShardJob) error {
	if job.Shards < 1 || job.Shards > MaxTasks {
		return fmt.Errorf("cloud run jobs: %d shards: an execution runs 1 to %d tasks", job.Shards, MaxTasks)
	}
	log := j.log().With("manifest", job.Manifest, "job", j.Config.Job, "correlation_id", job.CorrelationID)
	key := RunKey(job.Bucket, job.Manifest, job.Generation)
	name := library.RunClaimName(job.Manifest)
	prev, attrs, err := j.readClaim(ctx, name)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	cond := storage.DoesNotExist()
	if err == nil {
		switch {
		case prev.RunKey == key && prev.Execution != "":
			log.InfoContext(ctx, "shard execution exists", "execution", prev.Execution)
			return nil
		case prev.RunKey == key && j.now().Sub(prev.Claimed) < j.claimTTL():
			return fmt.Errorf("cloud run jobs: %s: %w (claimed %s)", job.Manifest, ErrStarting, prev.Claimed.Format(time.RFC3339))
		case prev.RunKey == key:
			log.WarnContext(ctx, "taking over a claim whose execution was never recorded", "claimed", prev.Claimed)
		}
		// An older generation's claim, or a stale one of this generation.
		cond = storage.GenerationMatch(attrs.Generation)
	}
	claim := Claim{RunKey: key, Manifest: job.Manifest, Generation: job.Generation, Job: j.Config.Job,
		Shards: job.Shards, Claimed: j.now().UTC()}
	gen, err := j.writeClaim(ctx, name, claim, cond)
	if errors.Is(err, storage.ErrPreconditionFailed) {
		return fmt.Errorf("cloud run jobs: %s: %w (claimed meanwhile)", job.Manifest, ErrStarting)
	}
	if err != nil {
		return err
	}

	op, err := j.Run(ctx, job)
	if err != nil {
		var api *APIError
		if errors.As(err, &api) && api.Refused() {
			// The API refused the call: no execution was started, so the
			// claim must not hold off the redelivery that tries again. A
			// server error or no answer may have started one: the claim
			// holds until its TTL.
			if derr := j.Library.Delete(ctx, name, &storage.DeleteOptions{If: storage.GenerationMatch(gen)}); derr != nil {
				log.WarnContext(ctx, "claim not released", "claim", name, "error", derr)
			}
		}
		return err
	}
	claim.Execution, claim.Operation = op.Metadata.Name, op.Name
	if _, err := j.writeClaim(ctx, name, claim, storage.GenerationMatch(gen)); err != nil {
		// The execution runs: the event needs no redelivery, and a
		// redelivery within the claim's TTL still starts nothing.
		log.WarnContext(ctx, "execution started but not recorded", "execution", claim.Execution, "error", err)
	}
	log.InfoContext(ctx, "shard execution started", "execution", claim.Execution, "operation", op.Name,
		"tasks", job.Shards, "run_key", key)
	return nil
}

func (j *Jobs) readClaim(ctx context.Context, name string) (*Claim, storage.Attrs, error) {
	r, err := j.Library.Get(ctx, name, nil)
	if err != nil {
		return nil, storage.Attrs{}, fmt.Errorf("cloud run jobs: claim %s: %w", name, err)
	}
	defer r.Close()
	data, err := io.ReadAll(io.LimitReader(r, MaxClaimBytes+1))
	if err != nil {
		return nil, storage.Attrs{}, fmt.Errorf("cloud run jobs: claim %s: %w", name, err)
	}
	var c Claim
	if len(data) > MaxClaimBytes || json.Unmarshal(data, &c) != nil {
		// Not a claim: its empty key matches no run, so it is replaced.
		return &Claim{}, r.Attrs, nil
	}
	return &c, r.Attrs, nil
}

func (j *Jobs) writeClaim(ctx context.Context, name string, c Claim, cond storage.Condition) (int64, error) {
	body, err := json.Marshal(c)
	if err != nil {
		return 0, err
	}
	a, err := j.Library.Put(ctx, name, bytes.NewReader(body), &storage.PutOptions{ContentType: "application/json", If: cond,
		Metadata: library.Batch{ManifestGeneration: c.Generation}.Encode()})
	if err != nil {
		return 0, fmt.Errorf("cloud run jobs: claim %s: %w", name, err)
	}
	return a.Generation, nil
}

// RunRequest is the body of jobs.run.
type RunRequest struct {
	ValidateOnly bool       `json:"validateOnly,omitempty"`
	Etag         string     `json:"etag,omitempty"`
	Overrides    *Overrides `json:"overrides,omitempty"`
}

// Overrides are an execution's changes to the job's template: the tasks'
// count and timeout, and per container its arguments and environment.
type Overrides struct {
	ContainerOverrides []ContainerOverride `json:"containerOverrides,omitempty"`
	TaskCount          int                 `json:"taskCount,omitempty"`
	// Timeout is a protobuf Duration in JSON: seconds with an "s" suffix.
	Timeout string `json:"timeout,omitempty"`
}

// ContainerOverride replaces a container's arguments and merges into its
// environment.
type ContainerOverride struct {
	Name      string   `json:"name,omitempty"`
	Args      []string `json:"args,omitempty"`
	Env       []EnvVar `json:"env,omitempty"`
	ClearArgs bool     `json:"clearArgs,omitempty"`
}

// EnvVar is one environment variable of a container.
type EnvVar struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Operation is the long-running operation jobs.run answers with. Its
// metadata is the Execution it started.
type Operation struct {
	Name     string    `json:"name"`
	Done     bool      `json:"done"`
	Metadata Execution `json:"metadata"`
	Error    *Status   `json:"error,omitempty"`
}

// Execution is the part of an execution this package reads.
type Execution struct {
	Type      string `json:"@type"`
	Name      string `json:"name"`
	TaskCount int    `json:"taskCount"`
}

// Status is a google.rpc.Status.
type Status struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// APIError is an error answer of the Admin API.
type APIError struct {
	HTTPStatus int
	Status     string // RESOURCE_EXHAUSTED, PERMISSION_DENIED, ...
	Message    string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("HTTP %d %s: %s", e.HTTPStatus, e.Status, e.Message)
}

// Refused reports whether the API refused the call before doing anything
// (a 4xx answer: bad request, permission denied, quota), rather than
// failing while it may have started the execution.
func (e *APIError) Refused() bool { return e.HTTPStatus >= 400 && e.HTTPStatus < 500 }

// MaxResponseBytes bounds the API's answer held in memory.
const MaxResponseBytes = 1 << 20

// Request is the jobs.run request for job: a task per shard, each running
// the worker's batch command on the manifest generation, with the manifest
// event's correlation id.
func (j *Jobs) Request(job pipeline.ShardJob) RunRequest {
	url := ManifestURL(job)
	env := []EnvVar{
		{Name: "GCS_BUCKET", Value: job.Bucket},
		{Name: "MANIFEST", Value: url},
		// A task finding shards of a newer generation leaves them to the
		// run started for it.
		{Name: "MANIFEST_GENERATION", Value: strconv.FormatInt(job.Generation, 10)},
	}
	if job.CorrelationID != "" {
		env = append(env, EnvVar{Name: "CORRELATION_ID", Value: job.CorrelationID})
	}
	return RunRequest{Overrides: &Overrides{
		ContainerOverrides: []ContainerOverride{{
			Name: Container,
			Args: []string{"batch", "--shards", strconv.Itoa(job.Shards), "--json", url},
			Env:  env,
		}},
		TaskCount: job.Shards,
		Timeout:   strconv.FormatInt(j.Config.TaskTimeoutSeconds, 10) + "s",
	}}
}

// Run calls jobs.run for job and returns the operation, whose metadata
// names the execution. An error answer is an *APIError.
func (j *Jobs) Run(ctx context.Context, job pipeline.ShardJob) (*Operation, error) {
	body, err := json.Marshal(j.Request(job))
	if err != nil {
		return nil, err
	}
	base := j.Base
	if base == "" {
		base = API
	}
	u := strings.TrimSuffix(base, "/") + "/v2/" + j.Config.Job + ":run"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := j.HTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cloud run jobs: run %s: %w", j.Config.Job, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	if err != nil {
		return nil, fmt.Errorf("cloud run jobs: run %s: reading the answer: %w", j.Config.Job, err)
	}
	if len(data) > MaxResponseBytes {
		return nil, fmt.Errorf("cloud run jobs: run %s: answer over %d bytes", j.Config.Job, MaxResponseBytes)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("cloud run jobs: run %s: %w", j.Config.Job, apiError(resp.StatusCode, data))
	}
	var op Operation
	if err := json.Unmarshal(data, &op); err != nil {
		return nil, fmt.Errorf("cloud run jobs: run %s: the answer is not an Operation: %w", j.Config.Job, err)
	}
	switch {
	case op.Name == "":
		return nil, fmt.Errorf("cloud run jobs: run %s: the answer is not an Operation: no name", j.Config.Job)
	case op.Error != nil:
		return nil, fmt.Errorf("cloud run jobs: run %s: operation %s failed: code %d: %s", j.Config.Job, op.Name, op.Error.Code, op.Error.Message)
	}
	return &op, nil
}

// apiError reads Google's JSON error answer
// (https://cloud.google.com/apis/design/errors#http_mapping).
func apiError(code int, body []byte) *APIError {
	var e struct {
		Error struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
			Status  string `json:"status"`
		} `json:"error"`
	}
	if err := json.Unmarshal(body, &e); err != nil || e.Error.Message == "" {
		msg := strings.TrimSpace(string(body))
		if len(msg) > 200 {
			msg = msg[:200] + "..."
		}
		return &APIError{HTTPStatus: code, Status: http.StatusText(code), Message: msg}
	}
	return &APIError{HTTPStatus: code, Status: e.Error.Status, Message: e.Error.Message}
}

func (j *Jobs) log() *slog.Logger {
	if j.Log == nil {
		return slog.Default()
	}
	return j.Log
}

func (j *Jobs) now() time.Time {
	if j.Now == nil {
		return time.Now()
	}
	return j.Now()
}

func (j *Jobs) claimTTL() time.Duration {
	if j.ClaimTTL <= 0 {
		return DefaultClaimTTL
	}
	return j.ClaimTTL
}
