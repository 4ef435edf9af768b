// Package imagesize measures the images deploy/Dockerfile builds without a
// container engine: each image is the distroless base plus one layer, the
// static binary at /app, and a layer travels as a gzip-compressed tar. Build
// makes the binary as the Dockerfile does and LayerSize compresses it as
// that layer.
package imagesize

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// BaseBytes is the compressed size of gcr.io/distroless/static-debian12:nonroot,
// the base of every image: "around 2 MiB" in the distroless project's
// README (GoogleContainerTools/distroless).
const BaseBytes = 2 << 20

// Budget is the most an image may weigh compressed.
const Budget = 30_000_000

// Image is one image of deploy/Dockerfile: SERVICE, its main package and
// build tags.
type Image struct {
	Service string
	Package string
	Tags    string
}

// Images are the images Cloud Build pushes, and blend without the
// Kubernetes client.
var Images = []Image{
	{"validate", "./functions/validate/cmd", ""},
	{"blend", "./functions/blend/cmd", ""},
	{"blend (nokube)", "./functions/blend/cmd", "nokube"},
	{"metasync", "./functions/metasync/cmd", ""},
	{"preview", "./functions/preview/cmd", ""},
	{"worker", "./cmd/blendpipe-worker", ""},
}

// BuildFlags are the go build flags of deploy/Dockerfile, with CGO_ENABLED=0.
var BuildFlags = []string{"-trimpath", `-ldflags=-s -w`}

// Build builds img's binary from the module in dir into out, as
// deploy/Dockerfile does.
func Build(ctx context.Context, dir string, img Image, out string) error {
	args := append([]string{"build"}, BuildFlags...)
	if img.Tags != "" {
		args = append(args, "-tags", img.Tags)
	}
	cmd := exec.CommandContext(ctx, "go", append(args, "-o", out, img.Package)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-buildvcs=false")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %w\n%s", img.Package, err, b)
	}
	return nil
}

// WriteLayer writes the layer that COPY puts the binary at path into: a tar
// holding app (mode 0755, owned by root), gzip-compressed.
func WriteLayer(w io.Writer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	zw := gzip.NewWriter(w)
	tw := tar.NewWriter(zw)
	hdr := &tar.Header{Name: "app", Mode: 0o755, Size: st.Size(), ModTime: time.Unix(0, 0), Typeflag: tar.TypeReg, Format: tar.FormatPAX}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	if _, err := io.Copy(tw, f); err != nil {
		return fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return zw.Close()
}

// LayerSize is the compressed size of the binary's layer.
func LayerSize(path string) (int64, error) {
	var n countWriter
	err := WriteLayer(&n, path)
	return int64(n), err
}

type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) {
	*c += countWriter(len(p))
	return len(p), nil
}
