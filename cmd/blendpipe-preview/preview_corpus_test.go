//go:build corpus

package main

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/corpus"
)

func TestPreviewWritesPNGs(t *testing.T) {
	tests := []struct {
		file string
		args []string
		plot bool
	}{
		{"kirby-xbot60__Walking_InPlace.fbx", nil, true},
		{"kirby-guy-naeem3d__Idle_bigscale.fbx", []string{"--frames", "4"}, false},
		{"add101-ch46__walking.glb", []string{"--frames", "3"}, true},
		{"bvhpython__test_freebvh_mixamorig.bvh", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			in := corpus.Path(t, "mixamo/"+tt.file)
			dir := t.TempDir()
			sheet, plot := filepath.Join(dir, "sheet.png"), filepath.Join(dir, "metrics.png")
			args := append([]string{"preview", in, "-o", sheet}, tt.args...)
			if tt.plot {
				args = append(args, "--plot", plot)
			}
			var out, errb bytes.Buffer
			if code := run(context.Background(), args, &out, &errb); code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			want := []string{sheet}
			if tt.plot {
				want = append(want, plot)
			}
			for _, p := range want {
				f, err := os.Open(p)
				if err != nil {
					t.Fatal(err)
				}
				cfg, err := png.DecodeConfig(f)
				f.Close()
				if err != nil {
					t.Fatalf("%s: %v", p, err)
				}
				if cfg.Width < 400 || cfg.Height < 300 {
					t.Errorf("%s is %d×%d px", p, cfg.Width, cfg.Height)
				}
				if !strings.Contains(out.String(), "wrote "+p) {
					t.Errorf("output %q does not report %s", out.String(), p)
				}
			}
		})
	}
}
