package bq

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog/catalogtest"
)

const (
	project = "test-project"
	dataset = "RAW_DEV"
)

// unclosed shares one client among the suite's stores; the test closes it.
type unclosed struct{ *Store }

func (unclosed) Close() error { return nil }

// The schema is what Terraform mirrors: check its shape without a server.
func TestSchema(t *testing.T) {
	t.Parallel()
	b, err := SchemaJSON()
	if err != nil {
		t.Fatal(err)
	}
	var fields []struct {
		Name, Type, Mode string
	}
	if err := json.Unmarshal(b, &fields); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"name": "STRING/REQUIRED", "generation": "INTEGER/REQUIRED", "kind": "STRING/REQUIRED",
		"sources": "STRING/REPEATED", "synced_at": "TIMESTAMP/REQUIRED", "deleted": "BOOLEAN/REQUIRED",
		"created_at": "TIMESTAMP/NULLABLE", "skating_cm_s": "FLOAT/NULLABLE", "options": "STRING/NULLABLE",
	}
	seen := map[string]bool{}
	for _, f := range fields {
		mode := f.Mode
		if mode == "" {
			mode = "NULLABLE"
		}
		if w, ok := want[f.Name]; ok && w != f.Type+"/"+mode {
			t.Errorf("%s: %s/%s, want %s", f.Name, f.Type, mode, w)
		}
		if seen[f.Name] {
			t.Errorf("column %s twice", f.Name)
		}
		seen[f.Name] = true
	}
	for _, col := range []string{"uri", "bucket", "sha256", "size", "format", "rig", "clip", "fps", "frames", "duration_s",
		"joint_count", "root_motion_cm", "method", "metrics", "l2_velocity", "l2_acceleration", "max_pose_change_cm",
		"transition_cost", "ground_penetration_cm", "preview", "correlation_id"} {
		if !seen[col] {
			t.Errorf("no column %s", col)
		}
	}
	md := TableMetadata()
	if md.TimePartitioning.Field != "synced_at" || md.TimePartitioning.Type != bigquery.DayPartitioningType {
		t.Errorf("partitioning %+v", md.TimePartitioning)
	}
	if got := strings.Join(md.Clustering.Fields, ","); got != "kind,rig,name" {
		t.Errorf("clustering %s", got)
	}
}

func TestInsertIDIdentifiesTheEvent(t *testing.T) {
	t.Parallel()
	a := catalogtest.Seed("seed/a.fbx", 7)
	redelivered := a
	redelivered.CorrelationID, redelivered.SyncedAt = "another-delivery", time.Now()
	del := a
	del.Deleted = true
	id := func(r catalog.Row) string {
		_, id, err := saver(r).Save()
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	if id(a) != id(redelivered) {
		t.Error("a redelivery of the same event got a different insertID")
	}
	if id(a) == id(del) {
		t.Error("the delete of a generation shares the finalize's insertID")
	}
	if len(id(a)) > 128 {
		t.Errorf("insertID %d chars, BigQuery allows 128", len(id(a)))
	}
}
