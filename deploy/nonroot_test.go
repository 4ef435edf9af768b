// Package deploy holds the image build (Dockerfile); its test checks that
// nothing the project deploys runs as root.
package deploy

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestImageRunsAsNonRoot checks the final stage of the Dockerfile: a
// non-root USER on a nonroot base.
func TestImageRunsAsNonRoot(t *testing.T) {
	t.Parallel()
	f, err := os.Open("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var from, user string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		switch strings.ToUpper(fields[0]) {
		case "FROM":
			from, user = fields[1], "" // a new stage starts as its base's user
		case "USER":
			user = fields[1]
		}
	}
	if !strings.HasSuffix(from, ":nonroot") {
		t.Errorf("final stage FROM %s: want a :nonroot base", from)
	}
	name, _, _ := strings.Cut(user, ":")
	if name == "" || name == "root" || name == "0" {
		t.Errorf("final stage USER %q: want a non-root user", user)
	}
}

// TestPodsRunAsNonRoot checks every pod template under terraform/k8s: the
// pod and each container run as a non-root user, without privilege
// escalation or capabilities.
func TestPodsRunAsNonRoot(t *testing.T) {
	t.Parallel()
	pods := 0
	err := filepath.WalkDir("../terraform/k8s", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml")) {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for {
			var doc map[string]any
			if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Errorf("%s: %v", path, err)
				break
			}
			spec := podSpec(doc)
			if spec == nil {
				continue
			}
			pods++
			what := path + " " + str(dig(doc, "kind")) + "/" + str(dig(doc, "metadata", "name"))
			pod, _ := dig(spec, "securityContext").(map[string]any)
			if pod["runAsNonRoot"] != true || isRoot(pod["runAsUser"]) {
				t.Errorf("%s: pod securityContext %v: want runAsNonRoot and a non-root runAsUser", what, pod)
			}
			for _, key := range []string{"containers", "initContainers"} {
				list, _ := spec[key].([]any)
				for _, c := range list {
					c, _ := c.(map[string]any)
					sc, _ := c["securityContext"].(map[string]any)
					caps, _ := dig(sc, "capabilities", "drop").([]any)
					switch {
					case sc == nil:
						t.Errorf("%s: container %v has no securityContext", what, c["name"])
					case sc["runAsNonRoot"] == false || isRoot(sc["runAsUser"]):
						t.Errorf("%s: container %v may run as root", what, c["name"])
					case sc["allowPrivilegeEscalation"] != false || sc["privileged"] == true:
						t.Errorf("%s: container %v may escalate privileges", what, c["name"])
					case len(caps) == 0 || caps[0] != "ALL":
						t.Errorf("%s: container %v keeps capabilities (drop %v)", what, c["name"], caps)
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if pods == 0 {
		t.Fatal("no pod template found under terraform/k8s")
	}
}

// podSpec is the pod spec of a workload manifest, or nil.
func podSpec(doc map[string]any) map[string]any {
	for _, path := range [][]string{{"spec", "template", "spec"}, {"spec", "jobTemplate", "spec", "template", "spec"}} {
		if s, ok := dig(doc, path...).(map[string]any); ok {
			return s
		}
	}
	if doc["kind"] == "Pod" {
		s, _ := doc["spec"].(map[string]any)
		return s
	}
	return nil
}

func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func str(v any) string { s, _ := v.(string); return s }

func isRoot(uid any) bool { n, ok := uid.(int); return ok && n == 0 }
