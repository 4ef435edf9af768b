//go:build corpus

package pipeline_test

import (
	"testing"
)

// TestRestoreEarlierGenerationThenResync is the recovery procedure of
// docs/operations.md: an object overwritten or deleted by mistake is brought
// back from its earlier generation, and resync makes the catalog agree.
func TestRestoreEarlierGenerationThenResync(t *testing.T) {
	t.Parallel()
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) { testRestoreThenResync(t, versionedPipeline(t, backend)) })
	}
}
