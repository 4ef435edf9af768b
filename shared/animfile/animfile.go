// Package animfile is the registry of animation file formats (FBX, GLB,
// glTF, BVH): each format's name, extensions, content type, how its content
// is recognised, and its reader and writer. It reads files of any format,
// choosing the format from the content (magic bytes) or, for output, from
// the name.
package animfile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
)

// ErrUnknownFormat means a name, extension or content matches no supported format.
var ErrUnknownFormat = errors.New("unknown animation format")

// DefaultMaxBytes bounds what Read loads into memory.
const DefaultMaxBytes = 512 << 20

// Detect tells the format from the first bytes (ByContent), falling back to
// the name's extension (ByExtension).
func Detect(name string, data []byte) (Format, error) {
	if f, err := ByContent(data); err == nil {
		return f, nil
	}
	if f, err := ByExtension(filepath.Ext(name)); err == nil {
		return f, nil
	}
	return 0, fmt.Errorf("%s: %w (expected %s)", name, ErrUnknownFormat, expected)
}

// Decode parses data in whichever supported format it holds, with each format's default limits.
func Decode(name string, data []byte) (*anim.Animation, error) {
	f, err := Detect(name, data)
	if err != nil {
		return nil, err
	}
	a, err := f.Decode(data)
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

// OutputFormat resolves the format to write from what a user gave:
// explicit ("fbx", "GLB", ".gltf") wins, else the name's extension. The
// result is a format's Name.
func OutputFormat(name, explicit string) (string, error) {
	n := strings.ToLower(strings.TrimPrefix(explicit, "."))
	if n == "" {
		n = strings.ToLower(strings.TrimPrefix(filepath.Ext(name), "."))
	}
	if n == "" {
		return "", fmt.Errorf("no output format: give one (fbx, glb, bvh) or a file name with that extension")
	}
	f, err := ByName(n)
	if err != nil {
		return "", fmt.Errorf("output format %q: want %s", n, Names())
	}
	return f.Name(), nil
}

// Encode writes a in the format called format ("fbx", "glb", "gltf" or "bvh").
func Encode(w io.Writer, a *anim.Animation, format string) error {
	f, err := ByName(format)
	if err != nil {
		return fmt.Errorf("output format %q: want %s", format, Names())
	}
	return f.Encode(w, a)
}

// ContentType is the MIME type of the format called format;
// application/octet-stream when there is no such format.
func ContentType(format string) string {
	f, _ := ByName(format) // an unknown name gives the zero Format, which has that type
	return f.ContentType()
}
