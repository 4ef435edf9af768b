package gltf

import (
	"encoding/binary"
	"errors"
	"math"
	"testing"
	"time"
)

// smallGLB is a valid three-joint file: nodes 0 (root) → 1, 2; accessor 0 holds the inverse
// bind matrices, 1 the key times, 2 the first rotation output. Each accessor has its own view.
func smallGLB(t *testing.T) []byte {
	return encodeT(t, synthAnimation(3, 30, 0.2), WriteOptions{})
}

func obj(v any, path ...any) map[string]any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			v = v.(map[string]any)[k]
		case int:
			v = v.([]any)[k]
		}
	}
	return v.(map[string]any)
}

func checkTyped(t *testing.T, err error, want error) {
	t.Helper()
	var fe *FormatError
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v (%T), want a *FormatError", err, err)
	}
	if want != nil && !errors.Is(err, want) {
		t.Fatalf("err = %v, want errors.Is %v", err, want)
	}
	if fe.Error() == "" {
		t.Fatal("empty error message")
	}
}

func TestHostileJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mutate func(doc map[string]any)
		want   error
	}{
		{"accessor count beyond view", func(d map[string]any) { obj(d, "accessors", 2)["count"] = 8 }, ErrBounds},
		{"huge accessor count", func(d map[string]any) { obj(d, "accessors", 2)["count"] = 1 << 40 }, ErrLimit},
		{"accessor offset beyond view", func(d map[string]any) { obj(d, "accessors", 2)["byteOffset"] = 1 << 20 }, ErrBounds},
		{"negative accessor offset", func(d map[string]any) { obj(d, "accessors", 2)["byteOffset"] = -16 }, ErrValue},
		{"view beyond buffer", func(d map[string]any) { obj(d, "bufferViews", 2)["byteLength"] = 1 << 30 }, ErrBounds},
		{"view at huge offset", func(d map[string]any) { obj(d, "bufferViews", 2)["byteOffset"] = math.MaxInt32 }, ErrBounds},
		{"view of missing buffer", func(d map[string]any) { obj(d, "bufferViews", 2)["buffer"] = 9 }, ErrReference},
		{"buffer longer than BIN chunk", func(d map[string]any) { obj(d, "buffers", 0)["byteLength"] = 1 << 30 }, ErrBounds},
		{"external buffer in GLB", func(d map[string]any) { obj(d, "buffers", 0)["uri"] = "../../etc/passwd" }, ErrExternalBuffer},
		{"bad data URI", func(d map[string]any) { obj(d, "buffers", 0)["uri"] = "data:application/octet-stream;base64,@@@" }, ErrValue},
		{"stride smaller than element", func(d map[string]any) { obj(d, "bufferViews", 2)["byteStride"] = 4 }, ErrValue},
		{"sparse index out of range", func(d map[string]any) {
			// View 1 holds float key times: read as UNSIGNED_INT they index far past the count.
			obj(d, "accessors", 2)["sparse"] = map[string]any{"count": 2,
				"indices": map[string]any{"bufferView": 1, "componentType": 5125}, "values": map[string]any{"bufferView": 2}}
		}, ErrValue},
		{"sparse values beyond view", func(d map[string]any) {
			obj(d, "accessors", 2)["sparse"] = map[string]any{"count": 2,
				"indices": map[string]any{"bufferView": 1, "componentType": 5121}, "values": map[string]any{"bufferView": 2, "byteOffset": 1 << 20}}
		}, ErrBounds},
		{"sparse count above accessor count", func(d map[string]any) {
			obj(d, "accessors", 2)["sparse"] = map[string]any{"count": 1000,
				"indices": map[string]any{"bufferView": 1, "componentType": 5121}, "values": map[string]any{"bufferView": 2}}
		}, ErrValue},
		{"rotation as unsigned int", func(d map[string]any) { obj(d, "accessors", 2)["componentType"] = 5125 }, ErrValue},
		{"output count mismatch", func(d map[string]any) { obj(d, "accessors", 2)["count"] = 3 }, ErrValue},
		{"cubic spline needs three per key", func(d map[string]any) { obj(d, "animations", 0, "samplers", 0)["interpolation"] = "CUBICSPLINE" }, ErrValue},
		{"unknown interpolation", func(d map[string]any) { obj(d, "animations", 0, "samplers", 0)["interpolation"] = "BOUNCY" }, ErrJSON},
		{"sampler out of range", func(d map[string]any) { obj(d, "animations", 0, "channels", 0)["sampler"] = 999 }, ErrReference},
		{"target node out of range", func(d map[string]any) { obj(d, "animations", 0, "channels", 0, "target")["node"] = 999 }, ErrReference},
		{"input accessor out of range", func(d map[string]any) { obj(d, "animations", 0, "samplers", 0)["input"] = 999 }, ErrReference},
		{"cyclic node graph", func(d map[string]any) { obj(d, "nodes", 2)["children"] = []any{0} }, ErrHierarchy},
		{"node its own child", func(d map[string]any) { obj(d, "nodes", 1)["children"] = []any{1} }, ErrHierarchy},
		{"node with two parents", func(d map[string]any) { obj(d, "nodes", 1)["children"] = []any{2} }, ErrHierarchy},
		{"parent cycle off the scene", func(d map[string]any) {
			obj(d, "nodes", 1)["children"] = []any{2}
			obj(d, "nodes", 0)["children"] = []any{1}
			obj(d, "nodes", 2)["children"] = []any{1}
		}, ErrHierarchy},
		{"child out of range", func(d map[string]any) { obj(d, "nodes", 0)["children"] = []any{1, 2, 70000} }, ErrReference},
		{"joint listed twice", func(d map[string]any) { obj(d, "skins", 0)["joints"] = []any{0, 1, 1} }, ErrHierarchy},
		{"joint out of range", func(d map[string]any) { obj(d, "skins", 0)["joints"] = []any{0, 1, -3} }, ErrReference},
		{"null node", func(d map[string]any) { d["nodes"].([]any)[2] = nil }, ErrReference},
		{"null animation", func(d map[string]any) { d["animations"].([]any)[0] = nil }, ErrReference},
		{"matrix and TRS", func(d map[string]any) {
			obj(d, "nodes", 0)["matrix"] = []any{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}
		}, ErrJSON},
		{"translation overflowing in cm", func(d map[string]any) { obj(d, "nodes", 1)["translation"] = []any{1e308, 0, 0} }, ErrValue},
		{"glTF 1.0", func(d map[string]any) { obj(d, "asset")["version"] = "1.0" }, ErrVersion},
		{"no skin and no animation", func(d map[string]any) { delete(d, "skins"); delete(d, "animations") }, ErrNoSkeleton},
	}
	base := smallGLB(t)
	if _, err := Decode(base, DefaultLimits()); err != nil {
		t.Fatalf("the unmodified file must decode: %v", err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, bin := splitGLB(t, base)
			tc.mutate(doc)
			a, err := Decode(joinGLB(t, doc, bin), DefaultLimits())
			if a != nil {
				t.Errorf("got a result with an error-worthy file")
			}
			checkTyped(t, err, tc.want)
		})
	}
}

func TestHostileBinary(t *testing.T) {
	t.Parallel()
	base := smallGLB(t)
	doc, bin := splitGLB(t, base)
	viewOffset := func(acc int) int {
		bv := int(obj(doc, "accessors", acc)["bufferView"].(float64))
		off, _ := obj(doc, "bufferViews", bv)["byteOffset"].(float64)
		return int(off)
	}
	put := func(b []byte, off int, v uint32) []byte {
		b = append([]byte(nil), b...)
		binary.LittleEndian.PutUint32(b[off:], v)
		return b
	}
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"NaN rotation", joinGLB(t, doc, put(bin, viewOffset(2), math.Float32bits(float32(math.NaN())))), ErrValue},
		{"decreasing key times", joinGLB(t, doc, put(bin, viewOffset(1)+4, math.Float32bits(-1))), ErrValue},
		{"version 1 header", put(base, 4, 1), ErrVersion},
		{"declared length beyond data", put(base, 8, uint32(len(base)+100)), ErrTruncated},
		{"declared length below header", put(base, 8, 4), ErrBounds},
		{"JSON chunk beyond file", put(base, 12, uint32(len(base))), ErrTruncated},
		{"JSON chunk length 0xFFFFFFFF", put(base, 12, math.MaxUint32), ErrTruncated},
		{"first chunk not JSON", put(base, 16, chunkBIN), ErrNotGLTF},
		{"not glTF at all", []byte("PK\x03\x04 zip file"), ErrNotGLTF},
		{"empty", nil, ErrNotGLTF},
		{"magic only", base[:4], ErrTruncated},
		{"broken JSON text", []byte(`{"asset":{"version":"2.0"},"nodes":[`), ErrJSON},
		{"JSON without asset", []byte(`{"nodes":[{}]}`), ErrJSON},
	}
	jsonLen := int(binary.LittleEndian.Uint32(base[12:]))
	binHeader := 20 + jsonLen
	tests = append(tests, struct {
		name string
		data []byte
		want error
	}{"BIN chunk beyond file", put(base, binHeader, uint32(len(base))), ErrTruncated})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(tc.data, DefaultLimits())
			checkTyped(t, err, tc.want)
		})
	}
}

func TestHostileTruncation(t *testing.T) {
	t.Parallel()
	for _, opt := range []WriteOptions{{}, {JSON: true}} {
		data := encodeT(t, synthAnimation(4, 30, 0.3), opt)
		for n := 0; n < len(data); n++ {
			a, err := Decode(data[:n], DefaultLimits())
			if err == nil {
				// A JSON file cut inside trailing whitespace may still be whole.
				if !opt.JSON || a == nil {
					t.Fatalf("json=%v: truncation at %d of %d decoded without error", opt.JSON, n, len(data))
				}
				continue
			}
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("json=%v: truncation at %d: %v (%T), want *FormatError", opt.JSON, n, err, err)
			}
		}
	}
}

func TestLimits(t *testing.T) {
	t.Parallel()
	a := synthAnimation(10, 30, 1)
	a.Clips = append(a.Clips, a.Clips[0].Clone())
	data := encodeT(t, a, WriteOptions{})
	tests := []struct {
		name string
		set  func(l *Limits)
	}{
		{"bytes", func(l *Limits) { l.MaxBytes = 100 }},
		{"nodes", func(l *Limits) { l.MaxNodes = 5 }},
		{"accessors", func(l *Limits) { l.MaxAccessors = 5 }},
		{"accessor elements", func(l *Limits) { l.MaxAccessorElements = 10 }},
		{"animations", func(l *Limits) { l.MaxAnimations = 1 }},
		{"channels", func(l *Limits) { l.MaxChannels = 3 }},
		{"keyframes", func(l *Limits) { l.MaxKeyframes = 20 }},
		{"frames", func(l *Limits) { l.MaxFrames = 20 }},
		{"samples", func(l *Limits) { l.MaxSamples = 100 }},
	}
	if _, err := Decode(data, Limits{}); err != nil {
		t.Fatalf("zero limits mean unlimited: %v", err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lim := DefaultLimits()
			tc.set(&lim)
			_, err := Decode(data, lim)
			checkTyped(t, err, ErrLimit)
		})
	}
}

// Deep and wide hierarchies must cost linear time: a chain of 10000 plain nodes with 9000
// skin joints hanging off nodes along it (all roots of the skin, with different parents).
func TestDeepHierarchyIsLinear(t *testing.T) {
	t.Parallel()
	const chain, joints = 10000, 9000
	nodes := make([]any, 0, chain+joints)
	for i := 0; i < chain; i++ {
		n := map[string]any{"name": "chain"}
		children := []any{}
		if i+1 < chain {
			children = append(children, i+1)
		}
		if i >= chain-joints {
			children = append(children, chain+i-(chain-joints))
		}
		n["children"] = children
		nodes = append(nodes, n)
	}
	skin := make([]any, joints)
	for k := 0; k < joints; k++ {
		nodes = append(nodes, map[string]any{"name": "joint", "translation": []any{0, 0.01, 0}})
		skin[k] = chain + k
	}
	doc := map[string]any{
		"asset": map[string]any{"version": "2.0"}, "nodes": nodes,
		"scenes": []any{map[string]any{"nodes": []any{0}}}, "skins": []any{map[string]any{"joints": skin}},
	}
	data := joinGLB(t, doc, nil)
	start := time.Now()
	a, err := Decode(data, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	// The roots hang off chain nodes 1000 to 9999, so those nodes join as their common tree.
	if got, want := len(a.Skeleton.Joints), 2*joints; got != want {
		t.Errorf("joints %d, want %d (the skin plus the chain nodes below the common ancestor)", got, want)
	}
	if err := a.Skeleton.Validate(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("decoding took %v", d)
	}
}
