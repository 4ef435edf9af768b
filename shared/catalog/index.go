package catalog

import (
	"slices"
	"strings"
	"sync"
	"time"
)

// Index is the catalog in memory: the ranking row of every name, a delete
// row (a tombstone) included, so that rows folded in later in any order and
// any number of times give what Reduce gives over all of them. It answers
// Current and Get without a store: the serving copy of the catalog a
// reader keeps fresh from a Feed. It is safe for concurrent use.
type Index struct {
	mu sync.RWMutex
	// rows holds one row per name, sorted by name: the order of Current
	// and its keyset, scanned without a lookup per name. Pointers keep
	// the merge of new names a copy of words, not of rows.
	rows []*Row
	live int
	// synced is the latest SyncedAt folded in.
	synced time.Time
}

// NewIndex returns an empty index.
func NewIndex() *Index { return &Index{} }

func byName(r *Row, name string) int { return strings.Compare(r.Name, name) }

// Fold merges rows into the index, keeping for each name the row that
// Outranks the others, and reports how many names changed. Rows are taken
// as the stores return them (normalized).
func (x *Index) Fold(rows []Row) int {
	x.mu.Lock()
	defer x.mu.Unlock()
	changed := 0
	added := map[string]Row{}
	for _, r := range rows {
		if r.SyncedAt.After(x.synced) {
			x.synced = r.SyncedAt
		}
		i, found := slices.BinarySearchFunc(x.rows, r.Name, byName)
		if !found {
			if cur, ok := added[r.Name]; !ok || Outranks(r, cur) {
				added[r.Name] = r
			}
			continue
		}
		cur := x.rows[i]
		if !Outranks(r, *cur) {
			continue
		}
		if !cur.Deleted {
			x.live--
		}
		x.rows[i] = x.keep(r)
		changed++
	}
	if len(added) == 0 {
		return changed
	}
	// New names are merged in once per fold, which keeps loading a
	// snapshot of n names O(n log n) rather than an insertion each.
	fresh := make([]*Row, 0, len(added))
	for _, r := range added {
		fresh = append(fresh, x.keep(r))
	}
	slices.SortFunc(fresh, func(a, b *Row) int { return strings.Compare(a.Name, b.Name) })
	merged := make([]*Row, 0, len(x.rows)+len(fresh))
	i, j := 0, 0
	for i < len(x.rows) && j < len(fresh) {
		if x.rows[i].Name < fresh[j].Name {
			merged = append(merged, x.rows[i])
			i++
		} else {
			merged = append(merged, fresh[j])
			j++
		}
	}
	merged = append(merged, x.rows[i:]...)
	x.rows = append(merged, fresh[j:]...)
	return changed + len(fresh)
}

// keep is the form of r the index holds, counted as live when it is: of a
// delete row, only what ranking needs; of a live one, its own sources.
func (x *Index) keep(r Row) *Row {
	if r.Deleted {
		return &Row{Bucket: r.Bucket, Name: r.Name, Generation: r.Generation, Kind: r.Kind, SyncedAt: r.SyncedAt, Deleted: true}
	}
	x.live++
	r.Sources = slices.Clone(r.Sources)
	return &r
}

// Current returns the live rows that match f, ordered by name, as Reduce
// would over every row folded in. A page (f.After) starts with a binary
// search, so its cost is that of the rows it looks at, not of the index.
func (x *Index) Current(f Filter) []Row {
	x.mu.RLock()
	defer x.mu.RUnlock()
	i, _ := slices.BinarySearchFunc(x.rows, max(f.Prefix, f.After), byName)
	var out []Row
	for k := i; k < len(x.rows); k++ {
		r := x.rows[k]
		if !strings.HasPrefix(r.Name, f.Prefix) {
			break // names with the prefix are contiguous
		}
		if r.Deleted || !f.match(r) {
			continue
		}
		c := *r
		c.Sources = slices.Clone(r.Sources)
		out = append(out, c)
		if f.Limit > 0 && len(out) == f.Limit {
			break
		}
	}
	return out
}

// Get returns the live row of name; false when the index holds none (never
// seen, or deleted).
func (x *Index) Get(name string) (Row, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	i, found := slices.BinarySearchFunc(x.rows, name, byName)
	if !found || x.rows[i].Deleted {
		return Row{}, false
	}
	r := *x.rows[i]
	r.Sources = slices.Clone(r.Sources)
	return r, true
}

// Stats is the size of an Index.
type Stats struct {
	Live, Deleted int
	// Synced is the latest SyncedAt folded in.
	Synced time.Time
}

// Stats reports how many names are live and deleted.
func (x *Index) Stats() Stats {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return Stats{Live: x.live, Deleted: len(x.rows) - x.live, Synced: x.synced}
}
