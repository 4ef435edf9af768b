package main

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
)

func TestPreviewUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"no output", []string{"preview", "x.fbx"}, 2},
		{"no file", []string{"preview", "-o", "x.png"}, 2},
		{"frames out of range", []string{"preview", "x.fbx", "-o", "x.png", "--frames", "0"}, 2},
		{"missing file", []string{"preview", filepath.Join(t.TempDir(), "none.fbx"), "-o", filepath.Join(t.TempDir(), "x.png")}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := run(context.Background(), tt.args, &out, &errb); code != tt.code {
				t.Errorf("exit %d, want %d: %s", code, tt.code, errb.String())
			}
		})
	}
}
