package pipeline

import (
	"context"
	"errors"
	"fmt"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// Restore makes generation gen of object name in s live again: its bytes,
// content type and metadata are written as a new generation, so the metadata
// sync (or Resync) catalogues it like any other write. The write is guarded
// on the live generation seen at the start (or on the object's absence), so
// a change made meanwhile is never overwritten; the call then fails with
// storage.ErrPreconditionFailed.
//
// Only a bucket that keeps noncurrent generations can serve gen once it was
// replaced or deleted: a Cloud Storage bucket with versioning, as Terraform
// creates the library, or the local library (localdir KeepVersions).
// Elsewhere, and for a generation already pruned, the error matches
// storage.ErrNotFound.
func Restore(ctx context.Context, s storage.Store, name string, gen int64) (storage.Attrs, error) {
	if gen <= 0 {
		return storage.Attrs{}, fmt.Errorf("restore %s: generation %d, want a generation number above 0", name, gen)
	}
	live, err := s.Stat(ctx, name, nil)
	var cond storage.Condition
	switch {
	case err == nil && live.Generation == gen:
		return live, nil // already live: nothing to restore
	case err == nil:
		cond = storage.GenerationMatch(live.Generation)
	case errors.Is(err, storage.ErrNotFound):
		cond = storage.DoesNotExist()
	default:
		return storage.Attrs{}, fmt.Errorf("restore %s: %w", name, err)
	}
	r, err := s.Get(ctx, name, &storage.ReadOptions{Generation: gen})
	if err != nil {
		return storage.Attrs{}, fmt.Errorf("restore %s#%d: %w", name, gen, err)
	}
	defer r.Close()
	a, err := s.Put(ctx, name, r, &storage.PutOptions{ContentType: r.Attrs.ContentType, Metadata: r.Attrs.Metadata, If: cond})
	if err != nil {
		return storage.Attrs{}, fmt.Errorf("restore %s#%d: %w", name, gen, err)
	}
	return a, nil
}
