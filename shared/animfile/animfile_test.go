package animfile

import (
	"bytes"
	"errors"
	"testing"
)

func TestDetect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		data string
		want Format
	}{
		{"x.bin", "Kaydara FBX Binary  \x00\x1a\x00", FBX},
		{"x.bin", "glTF\x02\x00\x00\x00", GLB},
		{"x.txt", "\ufeff  HIERARCHY\nROOT Hips", BVH},
		{"x.txt", "; FBX 7.2.0 project file", FBX},
		{"x.json", `{"asset":{"version":"2.0"}}`, GLTF},
		{"clip.fbx", "\x00\x00", FBX},
		{"clip.GLB", "", GLB},
		{"clip.gltf", "", GLTF},
		{"clip.glb", "{}", GLTF}, // content wins over the name
		{"clip.bvh", "", BVH},
	}
	for _, tt := range tests {
		got, err := Detect(tt.name, []byte(tt.data))
		if err != nil || got != tt.want {
			t.Errorf("Detect(%q, %q) = %q, %v; want %q", tt.name, tt.data, got, err, tt.want)
		}
	}
	if _, err := Detect("notes.txt", []byte("hello")); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("unknown content: %v", err)
	}
}

func TestOutputFormat(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, explicit, want string }{
		{"out.fbx", "", "fbx"},
		{"out.GLB", "", "glb"},
		{"out.fbx", "bvh", "bvh"},
		{"out", ".gltf", "gltf"},
	}
	for _, tt := range tests {
		if got, err := OutputFormat(tt.name, tt.explicit); err != nil || got != tt.want {
			t.Errorf("OutputFormat(%q, %q) = %q, %v", tt.name, tt.explicit, got, err)
		}
	}
	for _, bad := range [][2]string{{"out", ""}, {"out.obj", ""}, {"out.fbx", "usd"}} {
		if _, err := OutputFormat(bad[0], bad[1]); err == nil {
			t.Errorf("OutputFormat(%q, %q) accepted", bad[0], bad[1])
		}
	}
	if err := Encode(&bytes.Buffer{}, nil, "obj"); err == nil {
		t.Error("Encode accepted format obj")
	}
}

func TestDecodeNamesTheFile(t *testing.T) {
	t.Parallel()
	_, err := Decode("broken.fbx", []byte("Kaydara FBX Binary  \x00\x1a\x00\x1c\x1e\x00\x00"))
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("broken.fbx")) {
		t.Fatalf("got %v", err)
	}
}
