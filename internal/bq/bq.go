// Package bq is the catalog on BigQuery: an append-only table fed by the
// streaming inserter and read through the current-row query, which is also
// the body of the view analysts and Terraform see.
package bq

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"cloud.google.com/go/bigquery"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/iterator"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
)

// insertBatch is the number of rows per insertAll request; BigQuery
// recommends at most 500.
const insertBatch = 500

// Schema is the animations table; Terraform's table resource mirrors
// SchemaJSON. REQUIRED columns are the row's identity and its sync time.
func Schema() bigquery.Schema {
	str := func(name, desc string) *bigquery.FieldSchema {
		return &bigquery.FieldSchema{Name: name, Type: bigquery.StringFieldType, Description: desc}
	}
	num := func(name string, t bigquery.FieldType, desc string) *bigquery.FieldSchema {
		return &bigquery.FieldSchema{Name: name, Type: t, Description: desc}
	}
	req := func(f *bigquery.FieldSchema) *bigquery.FieldSchema { f.Required = true; return f }
	return bigquery.Schema{
		req(str("uri", "gs://bucket/name of the object")),
		req(str("bucket", "bucket holding the object")),
		req(str("name", "object name")),
		req(num("generation", bigquery.IntegerFieldType, "object generation the row describes")),
		req(str("kind", "seed or blend")),
		str("sha256", "hex SHA-256 of the content"),
		num("size", bigquery.IntegerFieldType, "bytes"),
		str("format", "fbx, bvh, gltf or glb"),
		str("rig", "normalised rig name"),
		str("clip", "clip name"),
		num("fps", bigquery.FloatFieldType, "frames per second"),
		num("frames", bigquery.IntegerFieldType, "frame count"),
		num("duration_s", bigquery.FloatFieldType, "duration in seconds"),
		num("joint_count", bigquery.IntegerFieldType, "joints in the skeleton"),
		num("root_motion_cm", bigquery.FloatFieldType, "root travel over the clip in cm"),
		{Name: "sources", Type: bigquery.StringFieldType, Repeated: true, Description: "object names a blend was made from"},
		str("method", "blend operator"),
		str("options", "canonical blend options, JSON object"),
		str("metrics", "every quality metric, JSON object"),
		num("skating_cm_s", bigquery.FloatFieldType, "foot skating, cm/s"),
		num("l2_velocity", bigquery.FloatFieldType, "L2 norm of joint velocity discontinuity"),
		num("l2_acceleration", bigquery.FloatFieldType, "L2 norm of joint acceleration discontinuity"),
		num("max_pose_change_cm", bigquery.FloatFieldType, "largest joint jump between frames, cm"),
		num("transition_cost", bigquery.FloatFieldType, "transition cost"),
		num("ground_penetration_cm", bigquery.FloatFieldType, "deepest foot penetration, cm"),
		str("preview", "object name of a preview image"),
		str("correlation_id", "CloudEvent id or request id that produced the row"),
		num("created_at", bigquery.TimestampFieldType, "object creation time"),
		req(num("synced_at", bigquery.TimestampFieldType, "when the row was written")),
		req(num("deleted", bigquery.BooleanFieldType, "the generation stopped being live")),
	}
}

// SchemaJSON is Schema in the JSON form of bq and Terraform.
func SchemaJSON() ([]byte, error) { return Schema().ToJSONFields() }

// TableMetadata is how the table is created: partitioned by day of
// synced_at, clustered by the columns the blend API filters on.
func TableMetadata() *bigquery.TableMetadata {
	return &bigquery.TableMetadata{
		Description:      "One row per object generation and storage event; read through " + catalog.View + ".",
		Schema:           Schema(),
		TimePartitioning: &bigquery.TimePartitioning{Type: bigquery.DayPartitioningType, Field: "synced_at"},
		Clustering:       &bigquery.Clustering{Fields: []string{"kind", "rig", "name"}},
	}
}

func columnList() string {
	var names []string
	for _, f := range Schema() {
		names = append(names, f.Name)
	}
	return strings.Join(names, ", ")
}

// ViewQuery selects the current row of every live name from table (a
// `project.dataset.table` reference): the highest generation per name, a
// delete outranking the finalize of its own generation, duplicates collapsed
// to the last synced. It relies on neither MERGE nor insertId de-duplication.
func ViewQuery(table string) string {
	return rankedQuery(table, "") + " AND NOT deleted"
}

// rankedQuery selects the first-ranked row of every name among the rows of
// table that pass where (none when empty), delete rows included.
func rankedQuery(table, where string) string {
	cols := columnList()
	if where != "" {
		where = "\n  WHERE " + where
	}
	return "SELECT " + cols + " FROM (\n" +
		"  SELECT " + cols + ",\n" +
		"    ROW_NUMBER() OVER (PARTITION BY name ORDER BY generation DESC, deleted DESC, synced_at DESC, correlation_id DESC) AS rank\n" +
		"  FROM `" + table + "`" + where + "\n" +
		") WHERE rank = 1"
}

// Options configure a Store.
type Options struct {
	Table string // catalog.Table when empty
	View  string // catalog.View when empty
}

// Store is the catalog in one BigQuery dataset. It owns the client.
type Store struct {
	client  *bigquery.Client
	dataset string
	table   string
	view    string
	now     func() time.Time
}

var _ catalog.Store = (*Store)(nil)

// New uses the dataset (BQ_DATASET) of the client's project. Close closes
// the client.
func New(client *bigquery.Client, dataset string, opts Options) *Store {
	if opts.Table == "" {
		opts.Table = catalog.Table
	}
	if opts.View == "" {
		opts.View = catalog.View
	}
	return &Store{client: client, dataset: dataset, table: opts.Table, view: opts.View, now: time.Now}
}

// TableRef is the table as a standard SQL reference.
func (s *Store) TableRef() string {
	return s.client.Project() + "." + s.dataset + "." + s.table
}

// Ensure creates the table and the view when they do not exist, for the
// local and test setups; production gets them from Terraform. The dataset
// must exist.
func (s *Store) Ensure(ctx context.Context) error {
	ds := s.client.Dataset(s.dataset)
	if err := create(ctx, ds.Table(s.table), TableMetadata()); err != nil {
		return fmt.Errorf("catalog bq: create table %s: %w", s.TableRef(), err)
	}
	if err := create(ctx, ds.Table(s.view), &bigquery.TableMetadata{ViewQuery: ViewQuery(s.TableRef())}); err != nil {
		return fmt.Errorf("catalog bq: create view %s.%s: %w", s.dataset, s.view, err)
	}
	return nil
}

// create makes the table unless it exists. It asks first because the
// emulator answers a duplicate view with 400 rather than BigQuery's 409; a
// 409 from a concurrent creator still counts as success.
func create(ctx context.Context, t *bigquery.Table, md *bigquery.TableMetadata) error {
	_, err := t.Metadata(ctx)
	if err == nil {
		return nil
	}
	if !isStatus(err, http.StatusNotFound) {
		return err
	}
	if err := t.Create(ctx, md); err != nil && !isStatus(err, http.StatusConflict) {
		return err
	}
	return nil
}

func isStatus(err error, code int) bool {
	var ge *googleapi.Error
	return errors.As(err, &ge) && ge.Code == code
}

// Close closes the client.
func (s *Store) Close() error { return s.client.Close() }

// Append streams rows in batches of 500. Each row's insertID is derived from
// its (name, generation, deleted) identity, so BigQuery drops a redelivered
// event when it can; Current does not depend on that.
func (s *Store) Append(ctx context.Context, rows ...catalog.Row) error {
	rows, err := catalog.Prepare(s.now(), rows)
	if err != nil {
		return err
	}
	ins := s.client.Dataset(s.dataset).Table(s.table).Inserter()
	for start := 0; start < len(rows); start += insertBatch {
		end := min(start+insertBatch, len(rows))
		batch := make([]bigquery.ValueSaver, 0, end-start)
		for _, r := range rows[start:end] {
			batch = append(batch, saver(r))
		}
		if err := ins.Put(ctx, batch); err != nil {
			var pme bigquery.PutMultiError
			if errors.As(err, &pme) {
				// BigQuery refused rows for their content: retrying the event
				// cannot help.
				return fmt.Errorf("%w: %v", catalog.ErrInvalidRow, err)
			}
			return fmt.Errorf("catalog bq: insert into %s: %w", s.TableRef(), err)
		}
	}
	return nil
}

type saver catalog.Row

func (r saver) Save() (map[string]bigquery.Value, string, error) {
	id := sha256.Sum256([]byte(r.Name + "\x00" + strconv.FormatInt(r.Generation, 10) + "\x00" + strconv.FormatBool(r.Deleted)))
	sources := make([]bigquery.Value, len(r.Sources))
	for i, src := range r.Sources {
		sources[i] = src
	}
	row := map[string]bigquery.Value{
		"uri": r.URI, "bucket": r.Bucket, "name": r.Name, "generation": r.Generation, "kind": string(r.Kind),
		"sha256": r.SHA256, "size": r.Size, "format": r.Format, "rig": r.Rig, "clip": r.Clip,
		"fps": r.FPS, "frames": r.Frames, "duration_s": r.DurationS, "joint_count": r.JointCount,
		"root_motion_cm": r.RootMotionCM, "sources": sources, "method": r.Method, "options": r.Options,
		"metrics": r.Metrics, "preview": r.Preview, "correlation_id": r.CorrelationID,
		"synced_at": r.SyncedAt, "deleted": r.Deleted,
		"created_at":   nil,
		"skating_cm_s": nil, "l2_velocity": nil, "l2_acceleration": nil,
		"max_pose_change_cm": nil, "transition_cost": nil, "ground_penetration_cm": nil,
	}
	if !r.CreatedAt.IsZero() {
		row["created_at"] = r.CreatedAt
	}
	if q := r.Quality; q != nil {
		row["skating_cm_s"], row["l2_velocity"], row["l2_acceleration"] = q.SkatingCMS, q.L2Velocity, q.L2Acceleration
		row["max_pose_change_cm"], row["transition_cost"], row["ground_penetration_cm"] = q.MaxPoseChangeCM, q.TransitionCost, q.GroundPenetrationCM
	}
	return row, hex.EncodeToString(id[:]), nil
}

// Current runs the view's query with the filter as parameters.
func (s *Store) Current(ctx context.Context, f catalog.Filter) ([]catalog.Row, error) {
	var (
		where  []string
		params []bigquery.QueryParameter
	)
	add := func(cond, name string, v any) {
		where = append(where, cond)
		params = append(params, bigquery.QueryParameter{Name: name, Value: v})
	}
	if f.Kind != "" {
		add("kind = @kind", "kind", string(f.Kind))
	}
	if f.Rig != "" {
		add("rig = @rig", "rig", f.Rig)
	}
	if f.Clip != "" {
		add("clip = @clip", "clip", f.Clip)
	}
	if f.Method != "" {
		add("method = @method", "method", f.Method)
	}
	if f.Source != "" {
		add("@source IN UNNEST(sources)", "source", f.Source)
	}
	if f.Prefix != "" {
		add("STARTS_WITH(name, @prefix)", "prefix", f.Prefix)
	}
	if !f.Since.IsZero() {
		add("created_at >= @since", "since", f.Since.UTC())
	}
	if !f.Until.IsZero() {
		add("created_at < @until", "until", f.Until.UTC())
	}
	if f.After != "" {
		add("name > @after", "after", f.After)
	}
	return s.query(ctx, where, params, f.Limit)
}

var _ catalog.Feed = (*Store)(nil)

// Changed runs one query job: the ranking row of every name among the rows
// synced since, deletes included. The table is partitioned by day of
// synced_at, so a recent since reads (and bills) the last partitions only.
func (s *Store) Changed(ctx context.Context, since time.Time) ([]catalog.Row, error) {
	var (
		where  string
		params []bigquery.QueryParameter
	)
	if !since.IsZero() {
		where = "synced_at >= @since"
		params = []bigquery.QueryParameter{{Name: "since", Value: since.UTC()}}
	}
	q := s.client.Query(rankedQuery(s.TableRef(), where))
	q.Parameters = params
	return s.read(ctx, q)
}

// Get returns the current row of name.
func (s *Store) Get(ctx context.Context, name string) (catalog.Row, error) {
	rows, err := s.query(ctx, []string{"name = @name"}, []bigquery.QueryParameter{{Name: "name", Value: name}}, 0)
	if err != nil {
		return catalog.Row{}, err
	}
	if len(rows) == 0 {
		return catalog.Row{}, fmt.Errorf("%w for %q", catalog.ErrNotFound, name)
	}
	return rows[0], nil
}

func (s *Store) query(ctx context.Context, where []string, params []bigquery.QueryParameter, limit int) ([]catalog.Row, error) {
	sql := "SELECT * FROM (" + ViewQuery(s.TableRef()) + ")"
	if len(where) > 0 {
		sql += " WHERE " + strings.Join(where, " AND ")
	}
	sql += " ORDER BY name"
	if limit > 0 {
		sql += " LIMIT " + strconv.Itoa(limit)
	}
	q := s.client.Query(sql)
	q.Parameters = params
	return s.read(ctx, q)
}

func (s *Store) read(ctx context.Context, q *bigquery.Query) ([]catalog.Row, error) {
	it, err := q.Read(ctx)
	if err != nil {
		return nil, fmt.Errorf("catalog bq: query %s: %w", s.TableRef(), err)
	}
	var out []catalog.Row
	for {
		var v map[string]bigquery.Value
		err := it.Next(&v)
		if errors.Is(err, iterator.Done) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("catalog bq: read %s: %w", s.TableRef(), err)
		}
		r, err := decode(v)
		if err != nil {
			return nil, fmt.Errorf("catalog bq: %w", err)
		}
		out = append(out, r)
	}
}

// decode reads one result row. Columns are nullable in the schema, so every
// value may be nil.
func decode(v map[string]bigquery.Value) (catalog.Row, error) {
	var d decoder
	r := catalog.Row{
		URI: d.str(v, "uri"), Bucket: d.str(v, "bucket"), Name: d.str(v, "name"),
		Generation: d.int(v, "generation"), Kind: catalog.Kind(d.str(v, "kind")),
		SHA256: d.str(v, "sha256"), Size: d.int(v, "size"), Format: d.str(v, "format"),
		Rig: d.str(v, "rig"), Clip: d.str(v, "clip"), FPS: d.float(v, "fps"), Frames: d.int(v, "frames"),
		DurationS: d.float(v, "duration_s"), JointCount: d.int(v, "joint_count"),
		RootMotionCM: d.float(v, "root_motion_cm"), Method: d.str(v, "method"),
		Options: d.str(v, "options"), Metrics: d.str(v, "metrics"), Preview: d.str(v, "preview"),
		CorrelationID: d.str(v, "correlation_id"), CreatedAt: d.time(v, "created_at"),
		SyncedAt: d.time(v, "synced_at"), Deleted: d.bool(v, "deleted"),
	}
	if srcs, ok := v["sources"].([]bigquery.Value); ok {
		for _, s := range srcs {
			if str, ok := s.(string); ok {
				r.Sources = append(r.Sources, str)
			}
		}
	}
	if v["skating_cm_s"] != nil {
		r.Quality = &catalog.Quality{
			SkatingCMS: d.float(v, "skating_cm_s"), L2Velocity: d.float(v, "l2_velocity"),
			L2Acceleration: d.float(v, "l2_acceleration"), MaxPoseChangeCM: d.float(v, "max_pose_change_cm"),
			TransitionCost: d.float(v, "transition_cost"), GroundPenetrationCM: d.float(v, "ground_penetration_cm"),
		}
	}
	return r, d.err
}

// decoder converts result values, keeping the first type mismatch.
type decoder struct{ err error }

func (d *decoder) wrong(col string, v bigquery.Value, want string) {
	if d.err == nil {
		d.err = fmt.Errorf("column %s: %T, want %s", col, v, want)
	}
}

// column returns col's value as a T: the zero value when NULL, a recorded
// mismatch when of another type.
func column[T any](d *decoder, v map[string]bigquery.Value, col string) T {
	switch x := v[col].(type) {
	case nil:
	case T:
		return x
	default:
		var want T
		d.wrong(col, x, fmt.Sprintf("%T", want))
	}
	var zero T
	return zero
}

func (d *decoder) str(v map[string]bigquery.Value, col string) string {
	return column[string](d, v, col)
}

func (d *decoder) int(v map[string]bigquery.Value, col string) int64 { return column[int64](d, v, col) }

func (d *decoder) bool(v map[string]bigquery.Value, col string) bool { return column[bool](d, v, col) }

func (d *decoder) time(v map[string]bigquery.Value, col string) time.Time {
	return column[time.Time](d, v, col).UTC()
}

func (d *decoder) float(v map[string]bigquery.Value, col string) float64 {
	if x, ok := v[col].(int64); ok {
		return float64(x)
	}
	return column[float64](d, v, col)
}
