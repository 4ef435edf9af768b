//go:build judges

package verify

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/bvh"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/fbx"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/gltf"
)

// File is a written file and what the judges must find in it.
type File struct {
	Path   string
	Format string // "fbx", "glb" or "bvh"
	Text   bool   // ASCII FBX, which Blender's importer does not read
	Want   Expect
}

// Output is one way of writing an animation.
type Output struct {
	Name   string // e.g. "fbx7400"; also the file name's suffix
	Format string // "fbx", "glb" or "bvh"
	Text   bool
	Encode func(io.Writer, *anim.Animation) error
}

// Outputs lists every writer the judges cover: FBX 7400 and 7700, ASCII FBX 7400, GLB and BVH.
var Outputs = []Output{
	{"fbx7400", "fbx", false, func(w io.Writer, a *anim.Animation) error {
		return fbx.Encode(w, a, fbx.WriteOptions{Version: 7400})
	}},
	{"fbx7700", "fbx", false, func(w io.Writer, a *anim.Animation) error {
		return fbx.Encode(w, a, fbx.WriteOptions{Version: 7700})
	}},
	{"fbxascii", "fbx", true, func(w io.Writer, a *anim.Animation) error {
		d, err := fbx.EncodeDocument(a, fbx.WriteOptions{Version: 7400})
		if err != nil {
			return err
		}
		return d.EncodeASCII(w)
	}},
	{"glb", "glb", false, func(w io.Writer, a *anim.Animation) error {
		return gltf.Encode(w, a, gltf.WriteOptions{})
	}},
	{"bvh", "bvh", false, func(w io.Writer, a *anim.Animation) error {
		return bvh.Encode(w, a, bvh.WriteOptions{})
	}},
}

// OutputNamed returns the output of Outputs with this name ("fbx7400", "fbx7700", "fbxascii", "glb", "bvh").
func OutputNamed(name string) (Output, error) {
	for _, o := range Outputs {
		if o.Name == name {
			return o, nil
		}
	}
	return Output{}, fmt.Errorf("no output named %q", name)
}

// Write encodes a with out into dir as name.<ext> (name.<out.Name>.<ext> when the output's name
// is not its extension, as in fbx7400) and returns the file with what a judge must find in it:
// positions at the frames ExpectOf picks. It fails t when writing fails.
func Write(t testing.TB, dir, name string, a *anim.Animation, out Output) File {
	t.Helper()
	f, err := WriteFile(dir, name, a, out)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// WriteFile is Write returning its error, for callers that go on with other files.
func WriteFile(dir, name string, a *anim.Animation, out Output) (File, error) {
	want, err := ExpectOf(a)
	if err != nil {
		return File{}, fmt.Errorf("%s: %w", name, err)
	}
	path := filepath.Join(dir, name+"."+out.Format)
	if out.Name != out.Format {
		path = filepath.Join(dir, fmt.Sprintf("%s.%s.%s", name, out.Name, out.Format))
	}
	if err := writeFile(path, a, out.Encode); err != nil {
		return File{}, fmt.Errorf("writing %s: %w", filepath.Base(path), err)
	}
	return File{Path: path, Format: out.Format, Text: out.Text, Want: want}, nil
}

// WriteAll writes a in every format of Outputs into dir.
func WriteAll(t testing.TB, dir, name string, a *anim.Animation) []File {
	t.Helper()
	files := make([]File, 0, len(Outputs))
	for _, out := range Outputs {
		files = append(files, Write(t, dir, name, a, out))
	}
	return files
}

func writeFile(path string, a *anim.Animation, enc func(io.Writer, *anim.Animation) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	if err := enc(w, a); err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
