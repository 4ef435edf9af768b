package fbx

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/corpus"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/anim"
)

// benchFiles lists every binary FBX of the Mixamo corpus (the ASCII fixture aside).
func benchFiles(b *testing.B) []string {
	paths, _ := filepath.Glob(filepath.Join(corpus.Require(b), "mixamo", "*.fbx"))
	var names []string
	for _, p := range paths {
		if name := filepath.Base(p); !strings.Contains(name, "ascii") {
			names = append(names, name)
		}
	}
	return names
}

func readBench(b *testing.B, name string) []byte {
	b.Helper()
	data, err := os.ReadFile(corpus.Path(b, filepath.Join("mixamo", name)))
	if err != nil {
		b.Skipf("corpus file: %v", err)
	}
	return data
}

func BenchmarkParse(b *testing.B) {
	for _, name := range benchFiles(b) {
		b.Run(name, func(b *testing.B) {
			data := readBench(b, name)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(data, DefaultLimits()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDecode(b *testing.B) {
	for _, name := range benchFiles(b) {
		b.Run(name, func(b *testing.B) {
			data := readBench(b, name)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Decode(data, DefaultLimits()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDecodeDocument measures the semantic layer alone: scene indexing, skeleton and
// sampling every frame of the clip, on an already parsed document.
func BenchmarkDecodeDocument(b *testing.B) {
	data := readBench(b, "kirby-xbot60__Idle.fbx")
	doc, err := Parse(data, DefaultLimits())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		a, err := DecodeDocument(doc, DefaultLimits())
		if err != nil {
			b.Fatal(err)
		}
		c := a.Clip()
		b.ReportMetric(float64(c.Frames*c.NumJoints), "samples/op")
	}
}

func BenchmarkEulerQuat(b *testing.B) {
	deg := anim.Vec3{12, -40, 95}
	var q anim.Quat
	for b.Loop() {
		q = eulerQuat(deg, anim.OrderXYZ)
		deg[0] += 0.001
	}
	_ = q
}

// BenchmarkCurveEval evaluates a cubic Mixamo-style curve of 501 keys at every 60 fps frame,
// as sampling does.
func BenchmarkCurveEval(b *testing.B) {
	const n = 501
	c := &animCurve{times: make([]int64, n), values: make([]float32, n),
		flags: []int32{0x2108}, data: []float32{0, 0, 0, 0}, refs: []int32{n}}
	for i := range n {
		c.times[i] = int64(i) * KTimeSecond / 60
		c.values[i] = float32(i % 17)
	}
	step := float64(KTimeSecond) / 60
	var sum float64
	b.ReportAllocs()
	for b.Loop() {
		var cur curveCursor
		c.reset(&cur)
		for f := range n {
			sum += c.eval(float64(f)*step+step/3, &cur)
		}
	}
	b.ReportMetric(float64(n), "evals/op")
	_ = sum
}

// BenchmarkParseASCII parses each Mixamo clip written as ASCII FBX; its MB/s compare with
// BenchmarkParse's on the binary form of the same file.
func BenchmarkParseASCII(b *testing.B) {
	for _, name := range benchFiles(b) {
		b.Run(name, func(b *testing.B) {
			doc, err := Parse(readBench(b, name), DefaultLimits())
			if err != nil {
				b.Fatal(err)
			}
			var text bytes.Buffer
			if err := doc.EncodeASCII(&text); err != nil {
				b.Fatal(err)
			}
			data := text.Bytes()
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(data, DefaultLimits()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkEncodeASCII writes the X Bot walk as ASCII FBX.
func BenchmarkEncodeASCII(b *testing.B) {
	doc, err := Parse(readBench(b, "kirby-xbot60__Walking_InPlace.fbx"), DefaultLimits())
	if err != nil {
		b.Fatal(err)
	}
	var text bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		text.Reset()
		if err := doc.EncodeASCII(&text); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(text.Len()))
}
