//go:build corpus

package kube_test

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	bconfig "github.com/rydlrcs/mixamo-blend-pipeline/internal/config"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/kube"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
)

// TestRouting runs manifests through the pipeline with Jobs over the fake
// clientset: below the threshold the batch runs in the process, above it
// the shards are written and one Job runs them.
func TestRouting(t *testing.T) {
	ctx := context.Background()
	p := pipelinetest.New(t, "gcs").P
	cs := fake.NewClientset()
	cfg := config(t, map[string]string{"K8S_WORKER_IMAGE": "worker:1"})
	thresholds := bconfig.Batch{Runner: bconfig.RunnerGKE, ShardBlends: 2, BlendsPerShard: 2, MaxShards: 64}
	p.Sharder = thresholds.Sharder(&kube.Jobs{Client: cs.BatchV1().Jobs("blendpipe"), Config: cfg, Log: pipelinetest.Logger(t)})
	var seeds []string
	for _, f := range []string{"kirby-xbot60__Walking_InPlace", "kirby-xbot60__Idle"} {
		obj := pipelinetest.Put(t, p.Uploads, f+".fbx", pipelinetest.Corpus(t, "mixamo/"+f+".fbx"))
		v, err := p.Validate(ctx, obj, "")
		if err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, v.Object)
	}
	blend := func(name string) string {
		return `{"name": "` + name + `", "input1": "` + seeds[0] + `", "input2": "` + seeds[1] + `", "output": "blend/` + name + `.bvh"}`
	}
	small := pipelinetest.Put(t, p.Library, "jobs/small.json", []byte(`{"blends": [`+blend("a")+`, `+blend("b")+`]}`))
	res, err := p.Batch(ctx, small, "")
	if err != nil || res == nil || res.OK != 2 {
		t.Fatalf("small manifest: %+v, %v", res, err)
	}
	if list, _ := cs.BatchV1().Jobs("").List(ctx, metav1.ListOptions{}); len(list.Items) != 0 {
		t.Fatalf("a small manifest started %d jobs", len(list.Items))
	}

	big := pipelinetest.Put(t, p.Library, "jobs/big.json", []byte(`{"blends": [`+blend("c")+`, `+blend("d")+`, `+blend("e")+`]}`))
	if res, err := p.Batch(ctx, big, "evt-9"); res != nil || err != nil {
		t.Fatalf("big manifest: %+v, %v", res, err)
	}
	list, err := cs.BatchV1().Jobs("blendpipe").List(ctx, metav1.ListOptions{})
	if err != nil || len(list.Items) != 1 {
		t.Fatalf("jobs: %+v, %v", list, err)
	}
	j := list.Items[0]
	if *j.Spec.Completions != 2 || j.Name != kube.JobName("library", "jobs/big.json", big.Generation) {
		t.Errorf("job %s with %d completions", j.Name, *j.Spec.Completions)
	}
	for i := range 2 {
		if _, err := p.Library.Stat(ctx, library.ShardName("jobs/big.json", i), nil); err != nil {
			t.Errorf("shard %d: %v", i, err)
		}
	}
	// Redelivered: the same Job, no error.
	if res, err := p.Batch(ctx, big, "evt-9"); res != nil || err != nil {
		t.Fatalf("redelivered: %+v, %v", res, err)
	}
	if list, _ := cs.BatchV1().Jobs("blendpipe").List(ctx, metav1.ListOptions{}); len(list.Items) != 1 {
		t.Errorf("%d jobs after redelivery", len(list.Items))
	}
}
