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
