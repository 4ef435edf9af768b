// Package animfile reads and writes animation files of any supported format, choosing the
// format from the content (magic bytes) or, for output, from the name.
package animfile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/bvh"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/fbx"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/gltf"
)

// Format names a file format as reported to users: "fbx", "bvh" or "gltf" (GLB included).
type Format string

// Formats.
const (
	FBX  Format = "fbx"
	BVH  Format = "bvh"
	GLTF Format = "gltf"
)

// ErrUnknownFormat means the content matches no supported format.
var ErrUnknownFormat = errors.New("unknown animation format")

// DefaultMaxBytes bounds what Read loads into memory.
const DefaultMaxBytes = 512 << 20

// Detect tells the format from the first bytes, falling back to the name's extension.
func Detect(name string, data []byte) (Format, error) {
	head := data
	if len(head) > 64 {
		head = head[:64]
	}
	trimmed := bytes.TrimLeft(head, " \t\r\n\ufeff")
	switch {
	case bytes.HasPrefix(head, []byte("Kaydara FBX Binary")):
		return FBX, nil
	case bytes.HasPrefix(head, []byte("glTF")):
		return GLTF, nil
	case bytes.HasPrefix(trimmed, []byte("HIERARCHY")):
		return BVH, nil
	case bytes.HasPrefix(trimmed, []byte("; FBX")):
		return FBX, nil // the FBX reader explains that ASCII FBX is not supported
	case bytes.HasPrefix(trimmed, []byte("{")):
		return GLTF, nil
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".fbx":
		return FBX, nil
	case ".glb", ".gltf":
		return GLTF, nil
	case ".bvh":
		return BVH, nil
	}
	return "", fmt.Errorf("%s: %w (expected binary FBX, glTF/GLB or BVH)", name, ErrUnknownFormat)
}

// Decode parses data in whichever supported format it holds, with each format's default limits.
func Decode(name string, data []byte) (*anim.Animation, error) {
	f, err := Detect(name, data)
	if err != nil {
		return nil, err
	}
	var a *anim.Animation
	switch f {
	case FBX:
		a, err = fbx.Decode(data, fbx.DefaultLimits())
	case GLTF:
		a, err = gltf.Decode(data, gltf.DefaultLimits())
	case BVH:
		a, err = bvh.Decode(bytes.NewReader(data), bvh.DefaultLimits())
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return a, nil
}

// Read loads and decodes a file, refusing files larger than maxBytes (0 = DefaultMaxBytes)
// before reading them.
func Read(ctx context.Context, path string, maxBytes int64) (*anim.Animation, []byte, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	if st.Size() > maxBytes {
		return nil, nil, fmt.Errorf("%s: %d bytes exceeds the limit of %d", path, st.Size(), maxBytes)
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	data := make([]byte, st.Size())
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	a, err := Decode(path, data)
	return a, data, err
}

// OutputFormat resolves the format to write: explicit ("fbx", "glb", "gltf", "bvh") wins,
// else the name's extension. The result is "fbx", "glb", "gltf" or "bvh".
func OutputFormat(name, explicit string) (string, error) {
	f := strings.ToLower(strings.TrimPrefix(explicit, "."))
	if f == "" {
		f = strings.ToLower(strings.TrimPrefix(filepath.Ext(name), "."))
	}
	switch f {
	case "fbx", "glb", "gltf", "bvh":
		return f, nil
	case "":
		return "", fmt.Errorf("no output format: give one (fbx, glb, bvh) or a file name with that extension")
	}
	return "", fmt.Errorf("output format %q: want fbx, glb, gltf or bvh", f)
}

// Encode writes a in the given output format ("fbx", "glb", "gltf" or "bvh").
func Encode(w io.Writer, a *anim.Animation, format string) error {
	switch format {
	case "fbx":
		return fbx.Encode(w, a, fbx.WriteOptions{})
	case "glb":
		return gltf.Encode(w, a, gltf.WriteOptions{})
	case "gltf":
		return gltf.Encode(w, a, gltf.WriteOptions{JSON: true})
	case "bvh":
		return bvh.Encode(w, a, bvh.WriteOptions{})
	}
	return fmt.Errorf("output format %q: want fbx, glb, gltf or bvh", format)
}

// ContentType is the MIME type of an output format.
func ContentType(format string) string {
	switch format {
	case "glb":
		return "model/gltf-binary"
	case "gltf":
		return "model/gltf+json"
	case "bvh":
		return "text/plain"
	}
	return "application/octet-stream"
}
