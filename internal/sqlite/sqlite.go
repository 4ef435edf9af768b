// Package sqlite is the catalog on an embedded SQLite database (pure Go,
// modernc.org/sqlite): the local pipeline's stand-in for BigQuery. The table
// and the view of current rows mirror the BigQuery ones.
package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
)

// FileName is the database's name inside the local pipeline's directory.
const FileName = "catalog.db"

// migrations bring the schema to the version of their index + 1, recorded in
// PRAGMA user_version. Append only: a released migration never changes.
var migrations = []string{
	`CREATE TABLE animations (
		id INTEGER PRIMARY KEY,
		uri TEXT NOT NULL,
		bucket TEXT NOT NULL,
		name TEXT NOT NULL,
		generation INTEGER NOT NULL,
		kind TEXT NOT NULL CHECK (kind IN ('seed', 'blend')),
		sha256 TEXT NOT NULL DEFAULT '',
		size INTEGER NOT NULL DEFAULT 0,
		format TEXT NOT NULL DEFAULT '',
		rig TEXT NOT NULL DEFAULT '',
		clip TEXT NOT NULL DEFAULT '',
		fps REAL NOT NULL DEFAULT 0,
		frames INTEGER NOT NULL DEFAULT 0,
		duration_s REAL NOT NULL DEFAULT 0,
		joint_count INTEGER NOT NULL DEFAULT 0,
		root_motion_cm REAL NOT NULL DEFAULT 0,
		sources TEXT NOT NULL DEFAULT '[]',
		method TEXT NOT NULL DEFAULT '',
		options TEXT NOT NULL DEFAULT '',
		metrics TEXT NOT NULL DEFAULT '',
		skating_cm_s REAL,
		l2_velocity REAL,
		l2_acceleration REAL,
		max_pose_change_cm REAL,
		transition_cost REAL,
		ground_penetration_cm REAL,
		preview TEXT NOT NULL DEFAULT '',
		correlation_id TEXT NOT NULL DEFAULT '',
		created_at INTEGER,
		synced_at INTEGER NOT NULL,
		deleted INTEGER NOT NULL CHECK (deleted IN (0, 1))
	);
	-- The window of the view reads each name's rows in this order.
	CREATE INDEX animations_rank ON animations (name, generation DESC, deleted DESC, synced_at DESC, id DESC);
	-- The row each name ranks first, unless it is a delete: the same rule as
	-- BigQuery's ROW_NUMBER() window, written as an index seek per row, which
	-- SQLite runs ten times faster than the window and which lets filters on
	-- the outer row apply before the seek.
	CREATE VIEW animations_current AS
	SELECT a.* FROM animations a
	WHERE a.deleted = 0 AND a.id = (
		SELECT b.id FROM animations b
		WHERE b.name = a.name
		ORDER BY b.generation DESC, b.deleted DESC, b.synced_at DESC, b.id DESC
		LIMIT 1
	);`,
	// Changed reads the rows synced since a time.
	`CREATE INDEX animations_synced ON animations (synced_at);`,
}

// columns in insert and select order, after id.
var columns = []string{
	"uri", "bucket", "name", "generation", "kind", "sha256", "size", "format", "rig", "clip",
	"fps", "frames", "duration_s", "joint_count", "root_motion_cm", "sources", "method", "options", "metrics",
	"skating_cm_s", "l2_velocity", "l2_acceleration", "max_pose_change_cm", "transition_cost", "ground_penetration_cm",
	"preview", "correlation_id", "created_at", "synced_at", "deleted",
}

// Store is the catalog in one SQLite file, safe for concurrent use by
// goroutines and by processes sharing the file (WAL mode; writers queue on a
// busy timeout).
type Store struct {
	db  *sql.DB
	now func() time.Time
}

var _ catalog.Store = (*Store)(nil)

// Open opens or creates the database at path and migrates its schema.
func Open(ctx context.Context, path string) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("catalog sqlite: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return nil, fmt.Errorf("catalog sqlite: %w", err)
	}
	q := url.Values{}
	q.Set("_busy_timeout", "10000")
	q.Set("_journal_mode", "WAL")
	// NORMAL in WAL mode loses at most the last commits on power loss, never
	// consistency; the table is rebuilt from events anyway.
	q.Set("_synchronous", "NORMAL")
	// Writers take the write lock when their transaction begins, so two
	// transactions never deadlock upgrading read locks.
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+abs+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("catalog sqlite: open %s: %w", abs, err)
	}
	s := &Store{db: db, now: time.Now}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("catalog sqlite: open %s: %w", abs, err)
	}
	return s, nil
}

func (s *Store) migrate(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var version int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return err
	}
	if version > len(migrations) {
		return fmt.Errorf("schema version %d is newer than this program's %d", version, len(migrations))
	}
	for i := version; i < len(migrations); i++ {
		if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
	}
	// PRAGMA takes no parameters; the value is a constant.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(migrations))); err != nil {
		return err
	}
	return tx.Commit()
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Append inserts rows in one transaction.
func (s *Store) Append(ctx context.Context, rows ...catalog.Row) error {
	rows, err := catalog.Prepare(s.now(), rows)
	if err != nil || len(rows) == 0 {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("catalog sqlite: append: %w", err)
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, "INSERT INTO animations ("+strings.Join(columns, ", ")+") VALUES (?"+strings.Repeat(", ?", len(columns)-1)+")")
	if err != nil {
		return fmt.Errorf("catalog sqlite: append: %w", err)
	}
	defer stmt.Close()
	for _, r := range rows {
		args, err := values(r)
		if err != nil {
			return err
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("catalog sqlite: append %s gen %d: %w", r.Name, r.Generation, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("catalog sqlite: append: %w", err)
	}
	return nil
}

func values(r catalog.Row) ([]any, error) {
	sources, err := json.Marshal(r.Sources)
	if err != nil {
		return nil, fmt.Errorf("%w: sources: %v", catalog.ErrInvalidRow, err)
	}
	if r.Sources == nil {
		sources = []byte("[]")
	}
	var q [6]any // NULL when not measured
	if m := r.Quality; m != nil {
		q = [6]any{m.SkatingCMS, m.L2Velocity, m.L2Acceleration, m.MaxPoseChangeCM, m.TransitionCost, m.GroundPenetrationCM}
	}
	var created any
	if !r.CreatedAt.IsZero() {
		created = r.CreatedAt.UnixMicro()
	}
	return []any{
		r.URI, r.Bucket, r.Name, r.Generation, string(r.Kind), r.SHA256, r.Size, r.Format, r.Rig, r.Clip,
		r.FPS, r.Frames, r.DurationS, r.JointCount, r.RootMotionCM, string(sources), r.Method, r.Options, r.Metrics,
		q[0], q[1], q[2], q[3], q[4], q[5],
		r.Preview, r.CorrelationID, created, r.SyncedAt.UnixMicro(), r.Deleted,
	}, nil
}

// Current reads the view.
func (s *Store) Current(ctx context.Context, f catalog.Filter) ([]catalog.Row, error) {
	var (
		where []string
		args  []any
	)
	add := func(cond string, arg any) {
		where = append(where, cond)
		args = append(args, arg)
	}
	if f.Kind != "" {
		add("kind = ?", string(f.Kind))
	}
	if f.Rig != "" {
		add("rig = ?", f.Rig)
	}
	if f.Clip != "" {
		add("clip = ?", f.Clip)
	}
	if f.Method != "" {
		add("method = ?", f.Method)
	}
	if f.Source != "" {
		add("EXISTS (SELECT 1 FROM json_each(sources) WHERE value = ?)", f.Source)
	}
	if f.Prefix != "" {
		// substr rather than LIKE: names may hold % and _.
		add("substr(name, 1, length(?)) = ?", f.Prefix)
		args = append(args, f.Prefix)
	}
	if !f.Since.IsZero() {
		add("created_at >= ?", f.Since.UnixMicro())
	}
	if !f.Until.IsZero() {
		add("created_at < ?", f.Until.UnixMicro())
	}
	if f.After != "" {
		add("name > ?", f.After)
	}
	query := "SELECT " + strings.Join(columns, ", ") + " FROM animations_current"
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY name"
	if f.Limit > 0 {
		query += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	return s.query(ctx, query, args...)
}

var _ catalog.Feed = (*Store)(nil)

// Changed returns the ranking row of every name among the rows synced
// since, deletes included: the view's seek without its NOT deleted.
func (s *Store) Changed(ctx context.Context, since time.Time) ([]catalog.Row, error) {
	cols := "a." + strings.Join(columns, ", a.")
	if since.IsZero() {
		return s.query(ctx, "SELECT "+cols+` FROM animations a
		WHERE a.id = (
			SELECT b.id FROM animations b WHERE b.name = a.name
			ORDER BY b.generation DESC, b.deleted DESC, b.synced_at DESC, b.id DESC LIMIT 1
		)`)
	}
	at := since.UnixMicro()
	return s.query(ctx, "SELECT "+cols+` FROM animations a
		WHERE a.synced_at >= ? AND a.id = (
			SELECT b.id FROM animations b WHERE b.name = a.name AND b.synced_at >= ?
			ORDER BY b.generation DESC, b.deleted DESC, b.synced_at DESC, b.id DESC LIMIT 1
		)`, at, at)
}

// Get reads one name from the view.
func (s *Store) Get(ctx context.Context, name string) (catalog.Row, error) {
	rows, err := s.query(ctx, "SELECT "+strings.Join(columns, ", ")+" FROM animations_current WHERE name = ?", name)
	if err != nil {
		return catalog.Row{}, err
	}
	if len(rows) == 0 {
		return catalog.Row{}, fmt.Errorf("%w for %q", catalog.ErrNotFound, name)
	}
	return rows[0], nil
}

func (s *Store) query(ctx context.Context, query string, args ...any) ([]catalog.Row, error) {
	rs, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("catalog sqlite: query: %w", err)
	}
	defer rs.Close()
	var out []catalog.Row
	for rs.Next() {
		var (
			r       catalog.Row
			kind    string
			sources string
			q       [6]sql.NullFloat64
			created sql.NullInt64
			synced  int64
		)
		err := rs.Scan(&r.URI, &r.Bucket, &r.Name, &r.Generation, &kind, &r.SHA256, &r.Size, &r.Format, &r.Rig, &r.Clip,
			&r.FPS, &r.Frames, &r.DurationS, &r.JointCount, &r.RootMotionCM, &sources, &r.Method, &r.Options, &r.Metrics,
			&q[0], &q[1], &q[2], &q[3], &q[4], &q[5],
			&r.Preview, &r.CorrelationID, &created, &synced, &r.Deleted)
		if err != nil {
			return nil, fmt.Errorf("catalog sqlite: scan: %w", err)
		}
		r.Kind = catalog.Kind(kind)
		if err := json.Unmarshal([]byte(sources), &r.Sources); err != nil {
			return nil, fmt.Errorf("catalog sqlite: %s: sources: %w", r.Name, err)
		}
		if len(r.Sources) == 0 {
			r.Sources = nil
		}
		if q[0].Valid {
			r.Quality = &catalog.Quality{
				SkatingCMS: q[0].Float64, L2Velocity: q[1].Float64, L2Acceleration: q[2].Float64,
				MaxPoseChangeCM: q[3].Float64, TransitionCost: q[4].Float64, GroundPenetrationCM: q[5].Float64,
			}
		}
		if created.Valid {
			r.CreatedAt = time.UnixMicro(created.Int64).UTC()
		}
		r.SyncedAt = time.UnixMicro(synced).UTC()
		out = append(out, r)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("catalog sqlite: query: %w", err)
	}
	return out, nil
}
