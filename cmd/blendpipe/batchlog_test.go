//go:build corpus

package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/corpus"
)

// TestBatchLogsAsTheServices runs a batch as a pod does (LOG_FORMAT from the
// ConfigMap, POD_NAME from the pod, CORRELATION_ID from whoever started it):
// stderr holds JSON lines with the run's id, the failure and the summary.
func TestBatchLogsAsTheServices(t *testing.T) {
	walk := corpus.Path(t, "mixamo/kirby-xbot60__Walking_InPlace.fbx")
	runc := corpus.Path(t, "mixamo/kirby-xbot60__Running_InPlace.fbx")
	dir := t.TempDir()
	manifest := "blends:\n" +
		"  - {name: ok, input1: " + walk + ", input2: " + runc + ", ratio: 0.5, method: linear, output: out/ok.fbx}\n" +
		"  - {name: missing_input, input1: " + walk + ", input2: nothing.fbx, ratio: 0.5, method: linear, output: out/no.fbx}\n"
	mp := filepath.Join(dir, "jobs.yaml")
	if err := os.WriteFile(mp, []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		env  map[string]string
		want func(t *testing.T, stderr string)
	}{
		{"json on a pod", map[string]string{"LOG_FORMAT": "json", "POD_NAME": "blendpipe-batch-x-0", "CORRELATION_ID": "job-77"},
			func(t *testing.T, stderr string) {
				msgs := map[string]map[string]any{}
				sc := bufio.NewScanner(strings.NewReader(stderr))
				for sc.Scan() {
					if strings.HasPrefix(sc.Text(), "blendpipe batch: ") {
						continue // the exit message
					}
					var m map[string]any
					if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
						t.Fatalf("stderr line is not JSON: %s", sc.Bytes())
					}
					if m["correlation_id"] != "job-77" || m["logger"] != "blendpipe-batch" ||
						m["environment"].(map[string]any)["pod_name"] != "blendpipe-batch-x-0" {
						t.Errorf("line %v", m)
					}
					msgs[m["message"].(string)] = m["extra"].(map[string]any)
				}
				if x := msgs["blend failed"]; x == nil || x["name"] != "missing_input" || !strings.Contains(x["error"].(string), "nothing.fbx") {
					t.Errorf("failure line %v", x)
				}
				if x := msgs["batch done"]; x == nil || x["total"] != 2.0 || x["ok"] != 1.0 || x["failed"] != 1.0 {
					t.Errorf("summary line %v", x)
				}
			}},
		{"nothing set: no log lines", map[string]string{},
			func(t *testing.T, stderr string) {
				if strings.Contains(stderr, "{") {
					t.Errorf("log lines without LOG_FORMAT or LOG_LEVEL: %q", stderr)
				}
			}},
		{"bad LOG_LEVEL named", map[string]string{"LOG_LEVEL": "loud"},
			func(t *testing.T, stderr string) {
				if !strings.Contains(stderr, "LOG_LEVEL") {
					t.Errorf("stderr %q", stderr)
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, k := range []string{"LOG_FORMAT", "LOG_LEVEL", "POD_NAME", "CORRELATION_ID"} {
				t.Setenv(k, c.env[k])
			}
			code, stdout, stderr := runCLI(t, "batch", "--workers", "2", mp)
			if code == 0 {
				t.Fatalf("exit 0 with a failing blend\n%s", stdout)
			}
			c.want(t, stderr)
		})
	}
}
