// The blend core is shared by the services, the CLI and the batch worker,
// and so links no platform: no cloud SDK, RPC stack, metrics, cluster,
// search or database client, and nothing of the module's own platform
// (internal/, functions/, cmd/).
package shared_test

import (
	"bufio"
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/rydlrcs/mixamo-blend-pipeline/"

// forbidden are import path prefixes no package under shared/ may depend on,
// directly or through another package.
var forbidden = []string{
	"cloud.google.com/",
	"google.golang.org/api",
	"google.golang.org/grpc",
	"google.golang.org/genproto",
	"golang.org/x/oauth2",
	"github.com/googleapis/",
	"github.com/GoogleCloudPlatform/",
	"github.com/cloudevents/",
	"github.com/prometheus/",
	"k8s.io/",
	"sigs.k8s.io/",
	"github.com/elastic/",
	"modernc.org/sqlite",
	"github.com/mattn/go-sqlite3",
	"github.com/fsouza/fake-gcs-server",
	module + "internal/",
	module + "functions/",
	module + "cmd/",
}

// violations maps each package of deps (go list -deps -f '{{.ImportPath}}
// {{.Imports}}' lines) whose imports include a forbidden one to that import.
func violations(lines []string) []string {
	var bad []string
	for _, line := range lines {
		pkg, imports, _ := strings.Cut(line, " ")
		for _, imp := range strings.Fields(strings.Trim(imports, "[]")) {
			for _, f := range forbidden {
				if strings.HasPrefix(imp, f) {
					bad = append(bad, pkg+" imports "+imp)
				}
			}
		}
	}
	return bad
}

func TestCoreLinksNoPlatform(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}} {{.Imports}}", "./...").Output()
	if err != nil {
		t.Fatalf("go list -deps ./shared/...: %v", err)
	}
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) < 20 {
		t.Fatalf("go list -deps listed %d packages; want the whole core", len(lines))
	}
	for _, v := range violations(lines) {
		t.Errorf("shared/ must not link the platform: %s", v)
	}
}

// TestViolationsFindPlanted checks the checker itself on planted imports,
// direct and through a dependency's own imports.
func TestViolationsFindPlanted(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		lines []string
		want  int
	}{
		{"clean", []string{module + "shared/blend [math " + module + "shared/anim]", "math []"}, 0},
		{"storage sdk", []string{module + "shared/pipeline [context cloud.google.com/go/storage]"}, 1},
		{"own platform", []string{module + "shared/pipeline [" + module + "internal/logs]"}, 1},
		{"through a dependency", []string{module + "shared/fbx [x.org/y]", "x.org/y [k8s.io/client-go/rest]"}, 1},
		{"sqlite and prometheus", []string{module + "shared/catalog [modernc.org/sqlite github.com/prometheus/client_golang/prometheus]"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := violations(tt.lines); len(got) != tt.want {
				t.Errorf("violations = %q, want %d", got, tt.want)
			}
		})
	}
}
