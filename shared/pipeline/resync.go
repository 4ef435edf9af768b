package pipeline

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"time"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// resyncBatch is the number of rows appended at once.
const resyncBatch = 500

// ResyncOptions configure Resync.
type ResyncOptions struct {
	// DryRun reports what would change without appending anything.
	DryRun bool
	// CorrelationID marks the rows Resync appends where the object's
	// metadata names none (objects copied in by hand, delete rows).
	CorrelationID string
}

// ResyncReport is what Resync found and did, by object name.
type ResyncReport struct {
	// Objects is the number of catalogued objects in the library.
	Objects int `json:"objects"`
	// Unchanged counts objects whose current row already describes them.
	Unchanged int `json:"unchanged"`
	// Added are objects that had no current row.
	Added []string `json:"added,omitempty"`
	// Fixed are objects whose current row differed from what their
	// attributes give.
	Fixed []string `json:"fixed,omitempty"`
	// Deleted are current rows whose object is gone, now marked deleted.
	Deleted []string `json:"deleted,omitempty"`
	// Failed are objects no row could be built for, with the reason; their
	// current rows are left alone.
	Failed map[string]string `json:"failed,omitempty"`
}

// Changed reports whether Resync appended (or, in a dry run, would append)
// any row.
func (r ResyncReport) Changed() bool {
	return len(r.Added)+len(r.Fixed)+len(r.Deleted) > 0
}

// Resync rebuilds or repairs the catalog from the library bucket alone: the
// metadata of every seed and blend carries what its row needs, as for the
// metadata sync (objects without it are read and described). It appends a
// row for each object whose current row is missing or differs, and a delete
// row for each current row whose object is gone, so that the current rows
// then match the bucket. Rows are only appended, never changed, and a second
// run appends nothing.
//
// A current row for a generation above the live object's (a file copied
// back by hand with an older time) cannot be outranked by appending; such
// objects are reported as failed rather than fixed.
func (p *Pipeline) Resync(ctx context.Context, opts ResyncOptions) (ResyncReport, error) {
	var rep ResyncReport
	current := map[string]catalog.Row{}
	for _, prefix := range []string{library.SeedPrefix, library.BlendPrefix} {
		rows, err := p.Catalog.Current(ctx, catalog.Filter{Prefix: prefix})
		if err != nil {
			return rep, fmt.Errorf("resync: read catalog: %w", err)
		}
		for _, r := range rows {
			current[r.Name] = r
		}
	}
	fail := func(name string, err error) {
		if rep.Failed == nil {
			rep.Failed = map[string]string{}
		}
		rep.Failed[name] = err.Error()
	}
	var pending []catalog.Row
	flush := func(force bool) error {
		if len(pending) == 0 || (!force && len(pending) < resyncBatch) {
			return nil
		}
		if !opts.DryRun {
			if err := p.Catalog.Append(ctx, pending...); err != nil {
				return fmt.Errorf("resync: append: %w", err)
			}
		}
		pending = pending[:0]
		return nil
	}
	live := map[string]bool{}
	// In name order, as the report lists them.
	for _, prefix := range []string{library.BlendPrefix, library.SeedPrefix} {
		for obj, err := range p.Library.List(ctx, &storage.ListOptions{Prefix: prefix}) {
			if err != nil {
				return rep, fmt.Errorf("resync: list %s: %w", prefix, err)
			}
			if !library.IsCatalogued(obj.Name) {
				continue
			}
			rep.Objects++
			live[obj.Name] = true
			cur, had := current[obj.Name]
			row, err := p.row(ctx, obj, false, firstOf(cur.CorrelationID, opts.CorrelationID))
			if err == nil {
				err = row.Validate()
			}
			switch {
			case err != nil:
				fail(obj.Name, err)
				continue
			case !had:
				rep.Added = append(rep.Added, obj.Name)
			case cur.Generation > obj.Generation:
				fail(obj.Name, fmt.Errorf("the catalog's current row is generation %d, above the live object's %d; "+
					"rewrite the object (a new generation) and resync again", cur.Generation, obj.Generation))
				continue
			case sameRow(cur, row):
				rep.Unchanged++
				continue
			default:
				rep.Fixed = append(rep.Fixed, obj.Name)
			}
			pending = append(pending, row)
			if err := flush(false); err != nil {
				return rep, err
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(current)) {
		cur := current[name]
		if live[name] || !library.IsCatalogued(name) {
			continue
		}
		del := cur
		del.Deleted, del.SyncedAt = true, time.Time{}
		del.CorrelationID = firstOf(opts.CorrelationID, cur.CorrelationID)
		rep.Deleted = append(rep.Deleted, name)
		pending = append(pending, del)
		if err := flush(false); err != nil {
			return rep, err
		}
	}
	if err := flush(true); err != nil {
		return rep, err
	}
	p.log().InfoContext(ctx, "catalog resynced from the library", "objects", rep.Objects, "added", len(rep.Added),
		"fixed", len(rep.Fixed), "deleted", len(rep.Deleted), "failed", len(rep.Failed), "dry_run", opts.DryRun)
	return rep, nil
}

// sameRow reports whether the stored row a and the built row b describe the
// object alike: every field but the sync time, after the normalisation the
// stores apply on append.
func sameRow(a, b catalog.Row) bool {
	norm := func(r catalog.Row) catalog.Row {
		if err := r.Normalize(time.Time{}); err != nil {
			return catalog.Row{}
		}
		r.SyncedAt = time.Time{}
		if len(r.Sources) == 0 {
			r.Sources = nil
		}
		return r
	}
	return reflect.DeepEqual(norm(a), norm(b))
}
