//go:build judges

package verify

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// bakeRate is FBX2glTF's --anim-framerate for a clip: it bakes at 24, 30 or 60 fps only
// (24 when not told), so pick the rate that keeps our frames as samples where there is one.
func bakeRate(fps float64) string {
	switch {
	case fps == 24:
		return "bake24"
	case fps == 30:
		return "bake30"
	}
	return "bake60"
}

// RunFBX2glTF converts an FBX file to GLB with FBX2glTF, which reads it with the Autodesk FBX
// SDK, and returns the GLB's path in outDir. The converter accepts some broken files, so the
// caller must judge the GLB it wrote, not only its exit status.
func RunFBX2glTF(exe, path, outDir string, fps float64) (string, error) {
	base := filepath.Join(outDir, strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))+".sdk")
	stdout, stderr, err := run(2*time.Minute, outDir, exe, "--binary", "--anim-framerate", bakeRate(fps), "-i", path, "-o", base)
	if err != nil {
		return "", err
	}
	out := base + ".glb"
	if st, err := os.Stat(out); err != nil || st.Size() == 0 {
		return "", fmt.Errorf("FBX2glTF wrote no GLB (%v): %s %s", err, tail(stdout, 500), tail(stderr, 500))
	}
	return out, nil
}
