package bvh

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/corpus"
)

// benchInputs are the corpus BVH (when present) and a generated 65-joint, 60 fps, 10 s clip.
func benchInputs(b *testing.B) map[string][]byte {
	in := map[string][]byte{"gen65j-60fps-10s": mustEncode(b, genAnimation(65, 601, 60), WriteOptions{})}
	if d := corpus.Dir(); d != "" {
		data, err := os.ReadFile(filepath.Join(d, filepath.FromSlash(corpusBVH)))
		if err != nil {
			b.Fatal(err)
		}
		in["corpus-mixamo55j"] = data
	}
	return in
}

// Throughput is in bytes of BVH text, read or written.
func BenchmarkDecode(b *testing.B) {
	for name, data := range benchInputs(b) {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Decode(bytes.NewReader(data), DefaultLimits()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkEncode(b *testing.B) {
	for name, data := range benchInputs(b) {
		a := mustDecode(b, data)
		size := len(mustEncode(b, a, WriteOptions{}))
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if err := Encode(io.Discard, a, WriteOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
