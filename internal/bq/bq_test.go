package bq

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/bq/bqtest"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog/catalogtest"
)

const (
	project = "test-project"
	dataset = "RAW_DEV"
)

func TestContract(t *testing.T) {
	_, client := bqtest.Start(t, project, dataset)
	var n atomic.Int64
	catalogtest.Run(t, catalogtest.Harness{
		New: func(t *testing.T) catalog.Store {
			i := n.Add(1)
			s := New(client, dataset, Options{Table: fmt.Sprintf("animations_%d", i), View: fmt.Sprintf("animations_current_%d", i)})
			if err := s.Ensure(context.Background()); err != nil {
				t.Fatal(err)
			}
			return unclosed{s}
		},
		Writers: 4,
	})
}

// unclosed shares one client among the suite's stores; the test closes it.
type unclosed struct{ *Store }

func (unclosed) Close() error { return nil }

func TestEnsureIsIdempotent(t *testing.T) {
	_, client := bqtest.Start(t, project, dataset)
	ctx := context.Background()
	s := New(client, dataset, Options{})
	for range 2 {
		if err := s.Ensure(ctx); err != nil {
			t.Fatal(err)
		}
	}
	md, err := client.Dataset(dataset).Table(catalog.Table).Metadata(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(md.Schema) != len(Schema()) {
		t.Errorf("created table has %d columns, want %d", len(md.Schema), len(Schema()))
	}
	if err := s.Append(ctx, catalogtest.Seed("seed/x.fbx", 1)); err != nil {
		t.Fatal(err)
	}
	// The view answers like the query the store runs.
	it, err := client.Query("SELECT name, generation FROM `" + project + "." + dataset + "." + catalog.View + "`").Read(ctx)
	if err != nil {
		t.Fatalf("query the view: %v", err)
	}
	var got []bigquery.Value
	if err := it.Next(&got); err != nil || got[0] != "seed/x.fbx" || got[1] != int64(1) {
		t.Errorf("view row = %v, %v", got, err)
	}
}

// The schema is what Terraform mirrors: check its shape without a server.
func TestSchema(t *testing.T) {
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
