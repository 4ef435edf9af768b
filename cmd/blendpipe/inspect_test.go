package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestInspectBadInputExitsNonZero(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cases := map[string][]byte{
		"empty.fbx":     {},
		"truncated.fbx": []byte("Kaydara FBX Binary  \x00\x1a\x00\xe8\x1c\x00\x00\x05\x00"),
		"garbage.bin":   []byte("this is not an animation"),
		"bad.bvh":       []byte("HIERARCHY\nROOT Hips\n{\n OFFSET 0 0\n"),
		"bad.glb":       []byte("glTF\x02\x00\x00\x00\xff\xff\xff\x7f"),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
			var out, errb bytes.Buffer
			code := run(context.Background(), []string{"inspect", "--json", p}, &out, &errb)
			if code == 0 {
				t.Fatalf("exit 0 on bad input; stdout %s", out.String())
			}
			if !strings.Contains(errb.String(), name) {
				t.Errorf("error does not name the file: %q", errb.String())
			}
		})
	}
}
