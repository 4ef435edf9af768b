// Package corpus locates the shared test corpus of real Mixamo exports that sits beside the
// repository (never inside it: the clips may not be redistributed).
package corpus

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the corpus root: $CORPUS when set, else ../shared/corpus beside the module root.
// It returns "" when neither exists.
func Dir() string {
	if d := os.Getenv("CORPUS"); d != "" {
		if abs, err := filepath.Abs(d); err == nil && isDir(abs) {
			return abs
		}
	}
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	for d := wd; ; d = filepath.Dir(d) {
		if isFile(filepath.Join(d, "go.mod")) {
			c := filepath.Join(filepath.Dir(d), "shared", "corpus")
			if isDir(c) {
				return c
			}
			return ""
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

// Require returns the corpus root or skips the test, saying where the corpus was expected.
func Require(tb testing.TB) string {
	tb.Helper()
	d := Dir()
	if d == "" {
		tb.Skip("test corpus not found: set CORPUS or place it at ../shared/corpus beside the repository")
	}
	return d
}

// Path returns the path of a corpus file (e.g. "mixamo/kirby-xbot60__Idle.fbx"), skipping the test
// when the corpus is absent.
func Path(tb testing.TB, rel string) string {
	tb.Helper()
	return filepath.Join(Require(tb), filepath.FromSlash(rel))
}

func isDir(p string) bool  { st, err := os.Stat(p); return err == nil && st.IsDir() }
func isFile(p string) bool { st, err := os.Stat(p); return err == nil && !st.IsDir() }
