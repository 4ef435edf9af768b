// Package catalog is the metadata port for the animations table: one row per
// object generation and event, appended by the metadata-sync service and read
// by the blend API and the CLI. It has a BigQuery implementation (package bq)
// and an embedded SQL one (package sqlite) for the local pipeline.
//
// Eventarc delivers Cloud Storage events at least once and in no particular
// order, so the table is append-only and never updated in place. A row is
// identified by (name, generation, deleted); duplicates of it are collapsed
// to the one synced last. The current state of a name is its row with the
// highest generation, where for one generation a delete outranks the
// finalize: a delete of generation G hides G and every lower generation, and
// a later finalize of a higher generation shows the name again. Any order and
// any repetition of the same events therefore yields the same current rows;
// Reduce states the rule in Go and package catalogtest checks every store
// against it.
package catalog

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Table and View are the names both stores use: the append-only table and
// the view of current rows.
const (
	Table = "animations"
	View  = "animations_current"
)

// Kind is what produced an animation.
type Kind string

const (
	KindSeed  Kind = "seed"  // a validated Mixamo upload
	KindBlend Kind = "blend" // the output of a blend operator
)

// Quality holds the metrics of package quality kept as typed columns for
// filtering. Row.Metrics carries the full set as JSON.
type Quality struct {
	SkatingCMS          float64 `json:"skating_cm_s"`
	L2Velocity          float64 `json:"l2_velocity"`
	L2Acceleration      float64 `json:"l2_acceleration"`
	MaxPoseChangeCM     float64 `json:"max_pose_change_cm"`
	TransitionCost      float64 `json:"transition_cost"`
	GroundPenetrationCM float64 `json:"ground_penetration_cm"`
}

// Row is one event about one object generation.
type Row struct {
	URI          string   `json:"uri"` // gs://bucket/name, or file path locally
	Bucket       string   `json:"bucket"`
	Name         string   `json:"name"`
	Generation   int64    `json:"generation"`
	Kind         Kind     `json:"kind"`
	SHA256       string   `json:"sha256,omitempty"`
	Size         int64    `json:"size"`
	Format       string   `json:"format,omitempty"` // fbx, bvh, gltf, glb
	Rig          string   `json:"rig,omitempty"`
	Clip         string   `json:"clip,omitempty"`
	FPS          float64  `json:"fps,omitempty"`
	Frames       int64    `json:"frames,omitempty"`
	DurationS    float64  `json:"duration_s,omitempty"`
	JointCount   int64    `json:"joint_count,omitempty"`
	RootMotionCM float64  `json:"root_motion_cm,omitempty"`
	Sources      []string `json:"sources,omitempty"` // object names a blend was made from
	Method       string   `json:"method,omitempty"`
	// Options is the blend's canonical options as a JSON object; empty for
	// seeds.
	Options string `json:"options,omitempty"`
	// Quality is nil when nothing was measured (seeds, delete events).
	Quality *Quality `json:"quality,omitempty"`
	// Metrics is every quality metric as a JSON object. When empty and
	// Quality is set, stores record Quality's JSON.
	Metrics       string    `json:"metrics,omitempty"`
	Preview       string    `json:"preview,omitempty"` // object name of a preview image; may be empty
	CorrelationID string    `json:"correlation_id,omitempty"`
	CreatedAt     time.Time `json:"created_at"` // the object's creation time
	// SyncedAt is when the row was written; Append sets it when zero.
	SyncedAt time.Time `json:"synced_at"`
	// Deleted marks a row recording that the generation stopped being live.
	Deleted bool `json:"deleted"`
}

// Filter narrows Current. Empty fields match everything.
type Filter struct {
	Kind   Kind
	Rig    string
	Clip   string
	Method string
	// Source matches blends that have this object among their sources.
	Source string
	// Prefix matches names starting with it ("blend/", "seed/mixamo/").
	Prefix string
	// Since and Until bound CreatedAt to [Since, Until) when not zero; rows
	// without a creation time match neither bound.
	Since, Until time.Time
	// After, when set, keeps only names that sort after it: the keyset of
	// a page, stable under concurrent inserts since names never change.
	After string
	// Limit caps the number of rows; 0 means no cap.
	Limit int
}

var (
	// ErrNotFound: the name has no current row (never synced, or deleted).
	ErrNotFound = errors.New("catalog: no current row")
	// ErrInvalidRow: a row failed Validate; nothing was appended.
	ErrInvalidRow = errors.New("catalog: invalid row")
)

// StoreCloser is a Store whose client its owner closes.
type StoreCloser interface {
	Store
	Close() error
}

// Store is the metadata store. Implementations are safe for concurrent use.
type Store interface {
	// Append records rows; it is safe to repeat (rows are never updated, and
	// duplicates collapse in Current). All rows are checked before any is
	// written.
	Append(ctx context.Context, rows ...Row) error
	// Current returns the current row of every live name that matches f,
	// ordered by name.
	Current(ctx context.Context, f Filter) ([]Row, error)
	// Get returns the current row of one name, or an error matching
	// ErrNotFound.
	Get(ctx context.Context, name string) (Row, error)
	Close() error
}

// Feed is what a read replica of the catalog (an Index kept fresh by
// internal/catalogcache) follows: the ranking rows of the append-only
// table, delete rows included, so that a removal propagates like any other
// change.
type Feed interface {
	// Changed returns, for every name with a row synced at or after since,
	// the row that ranks first among those rows (Outranks), deleted or not;
	// since zero means every row. Folding the answers of overlapping calls
	// into an Index in any order gives Reduce of the whole table.
	Changed(ctx context.Context, since time.Time) ([]Row, error)
}

// Validate checks what the stores rely on. The error matches ErrInvalidRow
// and names the field.
func (r *Row) Validate() error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%w %s gen %d: %s: %s", ErrInvalidRow, r.Name, r.Generation, field, fmt.Sprintf(format, args...))
	}
	switch {
	case r.Name == "":
		return bad("name", "empty")
	case r.Bucket == "":
		return bad("bucket", "empty")
	case r.Generation <= 0:
		return bad("generation", "%d, want > 0", r.Generation)
	case r.Kind != KindSeed && r.Kind != KindBlend:
		return bad("kind", "%q, want %q or %q", r.Kind, KindSeed, KindBlend)
	case r.Size < 0:
		return bad("size", "%d is negative", r.Size)
	}
	for field, v := range map[string]string{"options": r.Options, "metrics": r.Metrics} {
		if v != "" && (!json.Valid([]byte(v)) || !strings.HasPrefix(strings.TrimSpace(v), "{")) {
			return bad(field, "not a JSON object: %.60q", v)
		}
	}
	return nil
}

// Normalize fills what Append derives: SyncedAt (now) when zero, Metrics from
// Quality when empty, and times truncated to the microseconds both stores
// keep, in UTC.
func (r *Row) Normalize(now time.Time) error {
	if r.SyncedAt.IsZero() {
		r.SyncedAt = now
	}
	r.SyncedAt = r.SyncedAt.UTC().Truncate(time.Microsecond)
	if !r.CreatedAt.IsZero() {
		r.CreatedAt = r.CreatedAt.UTC().Truncate(time.Microsecond)
	}
	if r.Metrics == "" && r.Quality != nil {
		b, err := json.Marshal(r.Quality)
		if err != nil {
			return fmt.Errorf("%w: metrics: %v", ErrInvalidRow, err)
		}
		r.Metrics = string(b)
	}
	return nil
}

// Prepare validates and normalizes rows for Append, returning copies.
func Prepare(now time.Time, rows []Row) ([]Row, error) {
	out := make([]Row, len(rows))
	for i, r := range rows {
		if err := r.Validate(); err != nil {
			return nil, fmt.Errorf("row %d: %w", i, err)
		}
		if err := r.Normalize(now); err != nil {
			return nil, fmt.Errorf("row %d: %w", i, err)
		}
		out[i] = r
	}
	return out, nil
}

// Outranks reports whether a is preferred over b for the same name: higher
// generation first, then a delete over a finalize of the same generation,
// then the later sync. Both stores order their window by the same keys.
func Outranks(a, b Row) bool {
	if c := cmp.Compare(a.Generation, b.Generation); c != 0 {
		return c > 0
	}
	if a.Deleted != b.Deleted {
		return a.Deleted
	}
	return a.SyncedAt.After(b.SyncedAt)
}

// Reduce applies the current-row rule to rows in memory: the reference the
// stores' queries must agree with.
func Reduce(rows []Row, f Filter) []Row {
	top := map[string]Row{}
	for _, r := range rows {
		if cur, ok := top[r.Name]; !ok || Outranks(r, cur) {
			top[r.Name] = r
		}
	}
	var out []Row
	for _, r := range top {
		if !r.Deleted && f.Match(r) {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b Row) int { return strings.Compare(a.Name, b.Name) })
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out
}

// Match reports whether r passes the filter (Limit aside).
func (f Filter) Match(r Row) bool { return f.match(&r) }

// match is Match without copying a row, for the scans of Index.
func (f *Filter) match(r *Row) bool {
	return (f.Kind == "" || r.Kind == f.Kind) &&
		(f.Rig == "" || r.Rig == f.Rig) &&
		(f.Clip == "" || r.Clip == f.Clip) &&
		(f.Method == "" || r.Method == f.Method) &&
		(f.Source == "" || slices.Contains(r.Sources, f.Source)) &&
		strings.HasPrefix(r.Name, f.Prefix) &&
		(f.After == "" || r.Name > f.After) &&
		(f.Since.IsZero() || (!r.CreatedAt.IsZero() && !r.CreatedAt.Before(f.Since))) &&
		(f.Until.IsZero() || (!r.CreatedAt.IsZero() && r.CreatedAt.Before(f.Until)))
}
