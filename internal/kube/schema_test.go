//go:build judges

package kube_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/kube"
)

// TestJobPassesSchemaValidation writes the generated Job as YAML and checks
// it against the Kubernetes 1.37 schemas with the team's k8s-validate.
func TestJobPassesSchemaValidation(t *testing.T) {
	validator := infraCheck(t, "k8s-validate")
	jobs := &kube.Jobs{Config: config(t, testEnv)}
	data, err := yaml.Marshal(jobs.Job(testJob()))
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "shard-job.yaml")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(validator, file).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s\n--- job:\n%s", validator, file, err, out, data)
	}
	t.Logf("%s", out)
}

// infraCheck returns a script of ../shared/infra-check beside the module
// root, or skips the test.
func infraCheck(t *testing.T, script string) string {
	t.Helper()
	dir := os.Getenv("INFRA_CHECK")
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			t.Fatal(err)
		}
		for d := wd; ; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				dir = filepath.Join(filepath.Dir(d), "shared", "infra-check")
				break
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	p := filepath.Join(dir, script)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("infra-check not found (%s): set INFRA_CHECK or place it at ../shared/infra-check", p)
	}
	return p
}
