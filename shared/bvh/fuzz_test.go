package bvh

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/corpus"
)

// fuzzLimits keep each input cheap while still reaching every limit check.
var fuzzLimits = Limits{MaxBytes: 1 << 20, MaxLine: 64 << 10, MaxToken: 256, MaxJoints: 128, MaxDepth: 64,
	MaxChannels: 768, MaxFrames: 4096, MaxValues: 1 << 16}

// FuzzDecode checks that no input panics, and that whatever decodes is a valid skeleton and clip
// within the limits that Encode can write and Decode read back with the same shape.
func FuzzDecode(f *testing.F) {
	if d := corpus.Dir(); d != "" {
		if data, err := os.ReadFile(filepath.Join(d, filepath.FromSlash(corpusBVH))); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(canonical))
	f.Add(synthBVH(orderedJoints(), 3, "0.0333333", orderedValue))
	f.Add([]byte("HIERARCHY\nROOT A\n{\nOFFSET 1 2 3\nCHANNELS 0\nJOINT B\n{\nOFFSET 0 1 0\n}\n}\nMOTION\nFrames: 3\nFrame Time: 0.5\n"))
	f.Add([]byte("HIERARCHY\r\nROOT A {\r\nOFFSET 0 0 0\r\nCHANNELS 1 Yrotation\r\nEnd Site { OFFSET 0 1 0 }\r\n}\r\nMOTION\r\nFrames:1\r\nFrame Time:1e-2\r\n1e1\r\n"))
	f.Add([]byte(canonical[:len(canonical)/2]))
	f.Fuzz(func(t *testing.T, data []byte) {
		a := checkDecode(t, data, fuzzLimits)
		if a == nil {
			return
		}
		var out bytes.Buffer
		if err := Encode(&out, a, WriteOptions{}); err != nil {
			t.Fatalf("decoded animation does not encode: %v", err)
		}
		b, err := Decode(&out, Limits{MaxValues: 1 << 20})
		if err != nil {
			t.Fatalf("encoded animation does not decode: %v\n%s", err, out.Bytes())
		}
		if len(b.Skeleton.Joints) != len(a.Skeleton.Joints) || len(b.Clips) != len(a.Clips) ||
			(a.Clip() != nil && b.Clip().Frames != a.Clip().Frames) {
			t.Fatalf("shape changed on the round trip")
		}
	})
}
