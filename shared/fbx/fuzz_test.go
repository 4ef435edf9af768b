package fbx

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/corpus"
)

// FuzzDecode: whatever the bytes, Decode returns a valid animation or a typed error, and
// never panics, hangs or allocates past its limits.
func FuzzDecode(f *testing.F) {
	f.Add(sceneFixture(7400))
	f.Add(sceneFixture(7700))
	f.Add(newFixture(7500).bytes(everyType(true)))
	f.Add(newFixture(6100).bytes(everyType(false)))
	f.Add([]byte("; FBX 7.4.0 project file\n"))
	// Small real files only: the fuzzer mutates whole inputs, and Mixamo clips of hundreds
	// of kilobytes slow every execution down to a crawl.
	if dir := corpus.Dir(); dir != "" {
		for _, rel := range []string{
			"ufbx/anim/maya_anim_interpolation_7700_binary.fbx",
			"ufbx/anim/maya_anim_layers_7500_binary.fbx",
			"ufbx/anim/maya_anim_interpolation_6100_binary.fbx",
			"ufbx/fuzz/fuzz_0000.fbx",
		} {
			if data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel))); err == nil {
				f.Add(data)
			}
		}
	}
	// Small limits keep each input cheap, so the fuzzer explores structure, not allocation.
	lim := Limits{
		MaxFileSize: 4 << 20, MaxNodes: 1 << 16, MaxArrayLen: 1 << 20, MaxString: 1 << 20,
		MaxDecompressed: 16 << 20, MaxSamples: 1 << 20,
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := Decode(data, lim)
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("untyped error %v", err)
			}
			if a != nil {
				t.Fatalf("animation returned with error %v", err)
			}
			return
		}
		checkInvariants(t, "fuzz", a)
	})
}

// FuzzDecodeASCII: whatever the text, Decode of an ASCII file returns a valid animation or a
// typed error with a line and column, and never panics, hangs or allocates past its limits.
func FuzzDecodeASCII(f *testing.F) {
	for _, bin := range [][]byte{sceneFixture(7400), sceneFixture(7700)} {
		doc, err := Parse(bin, DefaultLimits())
		if err != nil {
			f.Fatal(err)
		}
		f.Add(asciiOf(f, doc))
	}
	f.Add([]byte("; FBX 6.1.0 project file\nTakes:  {\n\tTake: \"T\" {\n\t\tChannel: \"X\" {\n\t\t\tKeyVer: 4005\n\t\t\tKey: 0,1.5,U,s,0,0,n,1924423250,-2,L\n\t\t}\n\t}\n}\n"))
	f.Add([]byte("; FBX 7.4.0 project file\nObjects:  {\n\tAnimationCurve: 1, \"AnimCurve::\", \"\" {\n\t\tKeyTime: *2 {\n\t\t\ta: 0,1924423250\n\t\t}\n\t}\n}\n"))
	if dir := corpus.Dir(); dir != "" {
		for _, rel := range []string{
			"ufbx/anim/maya_anim_interpolation_7700_binary.fbx",
			"ufbx/anim/maya_anim_interpolation_6100_binary.fbx",
		} {
			if data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel))); err == nil {
				if doc, err := Parse(data, DefaultLimits()); err == nil {
					f.Add(asciiOf(f, doc))
				}
			}
		}
	}
	lim := Limits{
		MaxFileSize: 4 << 20, MaxNodes: 1 << 16, MaxArrayLen: 1 << 20, MaxString: 1 << 20,
		MaxDecompressed: 16 << 20, MaxSamples: 1 << 20,
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := ParseASCII(data, lim); err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) || fe.Line < 1 || fe.Column < 1 {
				t.Fatalf("error %v is not a *FormatError with a line and column", err)
			}
		}
		a, err := Decode(data, lim)
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		checkInvariants(t, "fuzz", a)
	})
}
