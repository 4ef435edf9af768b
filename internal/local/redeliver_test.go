//go:build corpus

package local

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
)

// TestEventsOutlastAFailure makes the library unwritable for longer than the
// router's round of redeliveries (a file stands where the seed/ directory
// goes, as a full disk would refuse writes): the upload's event is kept and
// delivered again once writes succeed, so the upload is seeded, not lost.
func TestEventsOutlastAFailure(t *testing.T) {
	dir := t.TempDir()
	opts := options(t, dir)
	opts.Redelivery = 5 * time.Millisecond
	srv := start(t, opts)
	block := filepath.Join(dir, "library", "seed")
	if err := os.WriteFile(block, []byte("not a directory"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "uploads", "Idle.fbx"), pipelinetest.Corpus(t, "mixamo/kirby-xbot60__Idle.fbx"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A round of redeliveries is 8 attempts over 127 × Redelivery: wait
	// well past it, then let the writes succeed.
	time.Sleep(2 * time.Second)
	if n := len(rows(t, dir)); n != 0 {
		t.Fatalf("%d rows while the library refuses writes", n)
	}
	if err := os.Remove(block); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the seed's row", func() bool { return len(rows(t, dir)) == 1 })
	eventually(t, "an idle router", srv.Idle)
}
