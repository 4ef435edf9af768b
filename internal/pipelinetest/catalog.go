package pipelinetest

import (
	"context"
	"fmt"
	"slices"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// CatalogMismatch compares the catalogue's current rows with the live
// seeds and blends of lib: one current row per live object, of its live
// generation and metadata, and none for a name that has no live object. It
// describes each difference; none means they match.
func CatalogMismatch(ctx context.Context, lib storage.Store, cat catalog.Store) ([]string, error) {
	objs, err := storage.ListAll(ctx, lib, nil)
	if err != nil {
		return nil, err
	}
	rows, err := cat.Current(ctx, catalog.Filter{})
	if err != nil {
		return nil, err
	}
	byName := map[string][]catalog.Row{}
	for _, r := range rows {
		byName[r.Name] = append(byName[r.Name], r)
	}
	var diffs []string
	for _, a := range objs {
		if !library.IsCatalogued(a.Name) {
			continue
		}
		rs := byName[a.Name]
		delete(byName, a.Name)
		switch {
		case len(rs) != 1:
			diffs = append(diffs, fmt.Sprintf("%s#%d is live with %d current rows", a.Name, a.Generation, len(rs)))
		case rs[0].Generation != a.Generation:
			diffs = append(diffs, fmt.Sprintf("%s is live at generation %d, its current row is of %d", a.Name, a.Generation, rs[0].Generation))
		case rs[0].Clip != a.Metadata[library.MetaClip] || rs[0].SHA256 != library.ContentHash(a.Metadata):
			diffs = append(diffs, fmt.Sprintf("%s#%d: row has clip %q, sha256 %q; the object %q, %q", a.Name, a.Generation,
				rs[0].Clip, rs[0].SHA256, a.Metadata[library.MetaClip], library.ContentHash(a.Metadata)))
		}
	}
	for name, rs := range byName {
		diffs = append(diffs, fmt.Sprintf("%s has %d current rows and no live object", name, len(rs)))
	}
	slices.Sort(diffs)
	return diffs, nil
}
