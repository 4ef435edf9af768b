package gltf

import (
	"bytes"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
)

func benchDecode(b *testing.B, data []byte) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(data, DefaultLimits()); err != nil {
			b.Fatal(err)
		}
	}
}

func benchEncode(b *testing.B, a *anim.Animation) {
	var buf bytes.Buffer
	if err := Encode(&buf, a, WriteOptions{}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := Encode(&buf, a, WriteOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeWalkingGLB(b *testing.B) {
	benchDecode(b, readCorpus(b, "mixamo/add101-ch46__walking.glb"))
}

func BenchmarkEncodeWalkingGLB(b *testing.B) {
	a, err := Decode(readCorpus(b, "mixamo/add101-ch46__walking.glb"), DefaultLimits())
	if err != nil {
		b.Fatal(err)
	}
	benchEncode(b, a)
}

// A generated 65-joint clip, 60 fps for 10 s: no corpus needed.
func BenchmarkDecodeSynthetic65x60fps10s(b *testing.B) {
	benchDecode(b, encodeT(b, synthAnimation(65, 60, 10), WriteOptions{}))
}

func BenchmarkEncodeSynthetic65x60fps10s(b *testing.B) {
	benchEncode(b, synthAnimation(65, 60, 10))
}
