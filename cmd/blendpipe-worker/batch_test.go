package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestBatchRefusesBadArguments(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		code int
		want string
	}{
		{"no manifest", []string{"batch"}, nil, 2, "usage: blendpipe batch"},
		{"not gs", []string{"batch", "jobs/x.yaml"}, nil, 1, "want gs://BUCKET/jobs/NAME.yaml"},
		{"no bucket", []string{"batch", "gs:///jobs/x.yaml"}, nil, 1, "want gs://BUCKET/jobs/NAME.yaml"},
		{"not a manifest", []string{"batch", "gs://b/seed/x.fbx"}, nil, 1, "not a manifest"},
		{"a shard is not a manifest", []string{"batch", "gs://b/jobs/x.shards/0.json"}, nil, 1, "not a manifest"},
		{"bad index", []string{"batch", "gs://b/jobs/x.yaml"}, map[string]string{"JOB_COMPLETION_INDEX": "one"}, 1, "JOB_COMPLETION_INDEX=\"one\""},
		{"shard past count", []string{"batch", "--shard", "4", "--shards", "4", "gs://b/jobs/x.yaml"}, nil, 1, "--shard 4 must be below --shards 4"},
		{"unknown command", []string{"worker"}, nil, 2, "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			getenv := func(k string) string { return tt.env[k] }
			if code := run(context.Background(), tt.args, getenv, &out, &errb); code != tt.code || !strings.Contains(errb.String(), tt.want) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, errb.String(), tt.code, tt.want)
			}
		})
	}
}
