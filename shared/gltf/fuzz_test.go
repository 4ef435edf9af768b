package gltf

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/corpus"
)

// fuzzLimits keep each input cheap so the fuzzer explores shapes rather than sizes.
func fuzzLimits() Limits {
	return Limits{
		MaxBytes: 8 << 20, MaxNodes: 2000, MaxAccessors: 5000, MaxAccessorElements: 1 << 16,
		MaxAnimations: 64, MaxChannels: 2000, MaxKeyframes: 1 << 18, MaxFrames: 1 << 14, MaxSamples: 1 << 18,
	}
}

func FuzzDecode(f *testing.F) {
	// Generated seeds: always present, GLB and JSON, with and without an Armature node.
	f.Add(encodeT(f, synthAnimation(3, 30, 0.2), WriteOptions{}))
	f.Add(encodeT(f, synthAnimation(5, 24, 0.5), WriteOptions{JSON: true}))
	withBase := synthAnimation(4, 60, 0.1)
	withBase.Skeleton.Base.S = [3]float64{0.01, 0.01, 0.01}
	f.Add(encodeT(f, withBase, WriteOptions{}))
	f.Add([]byte(`{"asset":{"version":"2.0"},"nodes":[{"children":[0]}]}`))
	// Corpus seeds, read in place when the corpus is beside the repository.
	if dir := corpus.Dir(); dir != "" {
		files, _ := filepath.Glob(filepath.Join(dir, "mixamo", "*.glb"))
		for _, p := range files {
			if data, err := os.ReadFile(p); err == nil && len(data) <= 512<<10 {
				f.Add(data)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := Decode(data, fuzzLimits())
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v (%T) is not a *FormatError", err, err)
			}
			return
		}
		if err := a.Skeleton.Validate(); err != nil {
			t.Fatalf("decoded an invalid skeleton: %v", err)
		}
		for _, c := range a.Clips {
			if err := c.Validate(a.Skeleton); err != nil {
				t.Fatalf("decoded an invalid clip: %v", err)
			}
		}
	})
}
