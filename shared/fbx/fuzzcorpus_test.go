//go:build corpus

package fbx

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/corpus"
)

// TestUfbxFuzzCorpus feeds the files that broke other FBX readers through Decode: each must
// give a result or a typed error, quickly and without panicking.
func TestUfbxFuzzCorpus(t *testing.T) {
	t.Parallel()
	dir := corpus.Path(t, "ufbx/fuzz")
	files, err := filepath.Glob(filepath.Join(dir, "*.fbx"))
	if err != nil || len(files) == 0 {
		t.Skipf("no files in %s", dir)
	}
	const perFile = 2 * time.Second // generous on a shared machine; typical is well under 1 ms
	lim := DefaultLimits()
	ok, failed := 0, 0
	kinds := map[error]int{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		a, err := Decode(data, lim)
		if el := time.Since(start); el > perFile {
			t.Errorf("%s: took %v", filepath.Base(f), el)
		}
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Errorf("%s: error %v is not a *FormatError", filepath.Base(f), err)
			}
			for _, s := range []error{ErrNotFBX, ErrUnsupported, ErrTruncated, ErrMalformed, ErrLimit} {
				if errors.Is(err, s) {
					kinds[s]++
					break
				}
			}
			failed++
			continue
		}
		ok++
		checkInvariants(t, filepath.Base(f), a)
	}
	t.Logf("%d files: %d decoded, %d refused %v", len(files), ok, failed, kinds)
	if ok+failed != len(files) {
		t.Fatalf("counted %d of %d", ok+failed, len(files))
	}
}
