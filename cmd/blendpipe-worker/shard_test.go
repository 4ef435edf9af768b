package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"

	cloudstorage "cloud.google.com/go/storage"
	"github.com/fsouza/fake-gcs-server/fakestorage"
	"google.golang.org/api/option"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/config"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/kube"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
)

// helperEnv makes the test binary run the worker's main instead of the
// tests: the shard processes of TestShardRun are this binary.
const helperEnv = "BLENDPIPE_WORKER_AS_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) == "1" {
		ctx := context.Background()
		os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// fakeGCS serves fake-gcs-server over HTTP on a loopback port, for the
// worker processes too (STORAGE_EMULATOR_HOST), and returns its host:port.
func fakeGCS(t *testing.T, buckets ...string) (*cloudstorage.Client, string) {
	t.Helper()
	port := pipelinetest.FreePort(t)
	srv, err := fakestorage.NewServerWithOptions(fakestorage.Options{Scheme: "http", Host: "127.0.0.1", Port: uint16(port), Writer: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	for _, b := range buckets {
		srv.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: b})
	}
	client, err := cloudstorage.NewClient(context.Background(), option.WithEndpoint(srv.URL()+"/storage/v1/"),
		option.WithoutAuthentication(), cloudstorage.WithJSONReads())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	return client, fmt.Sprintf("127.0.0.1:%d", port)
}

// processes is a JobStarter that runs each shard as an OS process of this
// binary with the arguments and environment of the Kubernetes Job, and
// JOB_COMPLETION_INDEX as Kubernetes sets it.
type processes struct {
	t       *testing.T
	jobs    *kube.Jobs
	env     []string
	mu      sync.Mutex
	started []*exec.Cmd
	outs    []*bytes.Buffer
}

func (p *processes) StartShards(_ context.Context, job pipeline.ShardJob) error {
	c := p.jobs.Job(job).Spec.Template.Spec.Containers[0]
	env := append(os.Environ(), helperEnv+"=1", "LOG_FORMAT=json", "LOG_LEVEL=INFO")
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			env = append(env, e.Name+"="+e.Value)
		}
	}
	env = append(env, p.env...)
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := range job.Shards {
		cmd := exec.Command(os.Args[0], c.Args...)
		cmd.Env = append(env, "JOB_COMPLETION_INDEX="+strconv.Itoa(i))
		out := &bytes.Buffer{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			return err
		}
		p.started = append(p.started, cmd)
		p.outs = append(p.outs, out)
	}
	return nil
}

func (p *processes) wait() {
	for i, cmd := range p.started {
		if err := cmd.Wait(); err != nil {
			p.t.Errorf("shard process %d: %v\n%s", i, err, p.outs[i])
		}
	}
}

var clips = []string{"Walking_InPlace", "Running_InPlace", "Sprinting_InPlace", "Idle", "Falling_Idle", "Punching_Left", "Punching_Right"}

// manifest is n blends over the seeds: mixes at many ratios and
// transitions, every output named.
func manifest(n int, seeds []string) []byte {
	var b strings.Builder
	b.WriteString(`{"blends": [`)
	for i := range n {
		if i > 0 {
			b.WriteString(",\n")
		}
		a, c := seeds[i%len(seeds)], seeds[(i/len(seeds)+i+1)%len(seeds)]
		if a == c {
			c = seeds[(i+2)%len(seeds)]
		}
		if i%4 == 3 {
			fmt.Fprintf(&b, `{"name": "t%04d", "input1": %q, "input2": %q, "method": "transition", "output": "blend/run/t%04d.bvh"}`, i, a, c, i)
		} else {
			fmt.Fprintf(&b, `{"name": "m%04d", "input1": %q, "input2": %q, "ratio": %.4f, "output": "blend/run/m%04d.bvh"}`, i, a, c, float64(i%97+1)/98, i)
		}
	}
	b.WriteString("]}")
	return []byte(b.String())
}

// thresholds shard a manifest of n blends into shards shards.
func thresholds(n, shards int) config.Batch {
	return config.Batch{ShardBlends: n - 1, BlendsPerShard: (n + shards - 1) / shards, MaxShards: 64}
}

func envInt(t *testing.T, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("%s=%q: want a positive number", name, v)
	}
	return n
}
