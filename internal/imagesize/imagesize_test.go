package imagesize

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func moduleRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatal(err)
	}
	return root
}

// TestImageSizes builds every image's binary as deploy/Dockerfile does and
// fails when base plus layer exceed the budget. It takes a minute of builds,
// so it runs with IMAGE_SIZES=1 (make image-sizes).
func TestImageSizes(t *testing.T) {
	if os.Getenv("IMAGE_SIZES") != "1" {
		t.Skip("builds every image's binary: run with IMAGE_SIZES=1 (make image-sizes)")
	}
	root, out := moduleRoot(t), t.TempDir()
	var table strings.Builder
	fmt.Fprintf(&table, "%-16s %12s %12s %12s  (budget %.1f MB, base %.1f MB: gcr.io/distroless/static-debian12:nonroot)\n",
		"image", "binary MB", "layer MB", "image MB", float64(Budget)/1e6, float64(BaseBytes)/1e6)
	for _, img := range Images {
		bin := filepath.Join(out, strings.NewReplacer(" ", "-", "(", "", ")", "").Replace(img.Service))
		if err := Build(context.Background(), root, img, bin); err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(bin)
		if err != nil {
			t.Fatal(err)
		}
		layer, err := LayerSize(bin)
		if err != nil {
			t.Fatal(err)
		}
		total := layer + BaseBytes
		fmt.Fprintf(&table, "%-16s %12.1f %12.1f %12.1f\n", img.Service, float64(st.Size())/1e6, float64(layer)/1e6, float64(total)/1e6)
		if total > Budget {
			t.Errorf("%s: %d bytes compressed, over the budget of %d", img.Service, total, Budget)
		}
	}
	t.Log("\n" + table.String())
}

// TestBuildMatchesDockerfile keeps Build's flags and packages those of
// deploy/Dockerfile.
func TestBuildMatchesDockerfile(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join(moduleRoot(t), "deploy", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	df := string(data)
	for _, want := range []string{
		`ENV CGO_ENABLED=0`,
		`go build -trimpath -tags "$TAGS" -ldflags="-s -w"`,
		`validate|blend|metasync|preview) pkg="./functions/$SERVICE/cmd"`,
		`worker) pkg="./cmd/blendpipe-worker"`,
		"FROM gcr.io/distroless/static-debian12:nonroot",
		"USER nonroot:nonroot",
		`ENTRYPOINT ["/app"]`,
	} {
		if !strings.Contains(df, want) {
			t.Errorf("deploy/Dockerfile no longer has %q: update package imagesize with it", want)
		}
	}
}

// TestWriteLayer reads the layer back as a container runtime would.
func TestWriteLayer(t *testing.T) {
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "bin")
	body := bytes.Repeat([]byte("static binary "), 1000)
	if err := os.WriteFile(bin, body, 0o755); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteLayer(&buf, bin); err != nil {
		t.Fatal(err)
	}
	n, err := LayerSize(bin)
	if err != nil || n != int64(buf.Len()) || n >= int64(len(body)) {
		t.Fatalf("LayerSize %d, %v; written %d of %d bytes", n, err, buf.Len(), len(body))
	}
	zr, err := gzip.NewReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	hdr, err := tr.Next()
	if err != nil || hdr.Name != "app" || hdr.Mode != 0o755 || hdr.Uid != 0 {
		t.Fatalf("entry %+v, %v", hdr, err)
	}
	got, err := io.ReadAll(tr)
	if err != nil || !bytes.Equal(got, body) {
		t.Fatalf("content: %d bytes, %v", len(got), err)
	}
	if _, err := tr.Next(); err != io.EOF {
		t.Errorf("more than one entry: %v", err)
	}
}

// TestServicesLinkWhatTheyUse: blendpipe links no cloud client, only blend
// links Kubernetes, validate not BigQuery, and the worker only the Cloud
// Storage client.
func TestServicesLinkWhatTheyUse(t *testing.T) {
	t.Parallel()
	root := moduleRoot(t)
	tests := []struct {
		pkg, tags string
		banned    []string
	}{
		{"./cmd/blendpipe", "", []string{"cloud.google.com/", "k8s.io/", "google.golang.org/grpc"}},
		{"./functions/validate/cmd", "", []string{"k8s.io/", "cloud.google.com/go/bigquery"}},
		{"./functions/metasync/cmd", "", []string{"k8s.io/"}},
		{"./functions/preview/cmd", "", []string{"k8s.io/", "cloud.google.com/go/bigquery", "github.com/elastic/"}},
		{"./cmd/blendpipe-worker", "", []string{"k8s.io/", "cloud.google.com/go/bigquery", "github.com/elastic/", "modernc.org/sqlite"}},
		// Cloud Run Jobs are started over REST: no gRPC Cloud Run client.
		{"./functions/blend/cmd", "nokube", []string{"k8s.io/", "cloud.google.com/go/run"}},
		{"./functions/blend/cmd", "", []string{"k8s.io/client-go/kubernetes", "k8s.io/client-go/applyconfigurations", "cloud.google.com/go/run"}},
	}
	for _, tt := range tests {
		t.Run(tt.pkg+" "+tt.tags, func(t *testing.T) {
			cmd := exec.Command("go", "list", "-deps", "-tags", tt.tags, tt.pkg)
			cmd.Dir = root
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("go list: %v", err)
			}
			for _, dep := range strings.Fields(string(out)) {
				for _, b := range tt.banned {
					if strings.HasPrefix(dep, b) {
						t.Errorf("%s links %s", tt.pkg, dep)
						break
					}
				}
			}
		})
	}
}
