// Package corpus locates the shared test corpus of real Mixamo exports that sits beside the
// repository (never inside it: the clips may not be redistributed).
//
// Only test binaries built with the corpus tag see it (go test -tags corpus): without the tag Dir
// finds nothing, so the default tier stays hermetic even where a corpus is reachable, and a test
// that needs the corpus but lives outside a corpus-tagged file skips, or fails when CI is set.
package corpus

import (
	"os"
	"path/filepath"
	"testing"
)

// Default is where the corpus is expected when CORPUS is unset, relative to the module root.
const Default = "../shared/corpus"

// Expected returns where the corpus is looked for: $CORPUS when set (a relative value is taken
// from the module root, where make runs), else ../shared/corpus beside the module root. An
// explicit CORPUS is never second-guessed, so CORPUS=/nonexistent means no corpus.
func Expected() string {
	rel := os.Getenv("CORPUS")
	if rel == "" {
		rel = Default
	}
	if filepath.IsAbs(rel) {
		return filepath.Clean(rel)
	}
	if root := moduleRoot(); root != "" {
		return filepath.Join(root, filepath.FromSlash(rel))
	}
	abs, err := filepath.Abs(rel)
	if err != nil {
		return rel
	}
	return abs
}

// Dir returns the corpus root, or "" when the test binary was built without the corpus tag or
// the corpus is not at Expected().
func Dir() string {
	if !enabled {
		return ""
	}
	if d := Expected(); isDir(d) {
		return d
	}
	return ""
}

// Require returns the corpus root. When the corpus is missing it skips the test, saying where the
// corpus was expected; when CI is set it fails the test instead, so a CI run never passes by
// skipping the corpus tier.
func Require(tb testing.TB) string {
	tb.Helper()
	d := Dir()
	if d != "" {
		return d
	}
	var why string
	if !enabled {
		why = "test corpus disabled: this test needs the corpus and must live in a file built with -tags corpus"
	} else {
		why = "test corpus not found at " + Expected() + ": set CORPUS to the corpus root " +
			"(default " + Default + " beside the repository)"
	}
	if os.Getenv("CI") != "" {
		tb.Fatal(why + " (CI is set, so a missing corpus fails the run)")
	} else {
		tb.Skip(why)
	}
	return ""
}

// Path returns the path of a corpus file (e.g. "mixamo/kirby-xbot60__Idle.fbx"), skipping the test
// when the corpus is absent (failing it when CI is set).
func Path(tb testing.TB, rel string) string {
	tb.Helper()
	return filepath.Join(Require(tb), filepath.FromSlash(rel))
}

// moduleRoot is the nearest directory at or above the working directory holding go.mod: go test
// runs each package in its own directory, so this is how a relative CORPUS means the same place
// from every package.
func moduleRoot() string {
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	for d := wd; ; d = filepath.Dir(d) {
		if isFile(filepath.Join(d, "go.mod")) {
			return d
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

func isDir(p string) bool  { st, err := os.Stat(p); return err == nil && st.IsDir() }
func isFile(p string) bool { st, err := os.Stat(p); return err == nil && !st.IsDir() }
