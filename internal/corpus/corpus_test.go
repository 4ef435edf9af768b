package corpus

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

func TestExpected(t *testing.T) {
	root := moduleRoot()
	if root == "" {
		t.Fatal("no go.mod above the working directory")
	}
	for _, tt := range []struct{ env, want string }{
		{"", filepath.Join(root, "..", "shared", "corpus")},
		{"/nonexistent", "/nonexistent"},
		{"../elsewhere/corpus", filepath.Join(root, "..", "elsewhere", "corpus")},
	} {
		t.Setenv("CORPUS", tt.env)
		if got := Expected(); got != tt.want {
			t.Errorf("CORPUS=%q: Expected() = %q, want %q", tt.env, got, tt.want)
		}
	}
}

// recorder stands in for a test to see whether Require skips or fails it.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper()           {}
func (r *recorder) Skip(args ...any)  { r.skipped = fmt.Sprint(args...) }
func (r *recorder) Fatal(args ...any) { r.failed = fmt.Sprint(args...) }

// A missing corpus skips the test, and fails it under CI; either way the
// message names CORPUS and where the corpus was looked for.
func TestRequireMissing(t *testing.T) {
	for _, tt := range []struct {
		ci       string
		wantFail bool
	}{{"", false}, {"true", true}} {
		t.Setenv("CORPUS", "/nonexistent")
		t.Setenv("CI", tt.ci)
		var r recorder
		if d := Require(&r); d != "" {
			t.Fatalf("Require found %q", d)
		}
		msg := r.skipped
		if tt.wantFail {
			msg = r.failed
		}
		if (r.failed != "") != tt.wantFail || (r.skipped != "") == tt.wantFail {
			t.Errorf("CI=%q: skipped %q, failed %q", tt.ci, r.skipped, r.failed)
		}
		if !strings.Contains(msg, "corpus") {
			t.Errorf("CI=%q: message %q does not say what is missing", tt.ci, msg)
		}
		if enabled && !(strings.Contains(msg, "CORPUS") && strings.Contains(msg, "/nonexistent")) {
			t.Errorf("CI=%q: message %q names neither CORPUS nor the expected path", tt.ci, msg)
		}
	}
}
