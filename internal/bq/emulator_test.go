//go:build emulator

package bq

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"cloud.google.com/go/bigquery"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/bq/bqtest"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog/catalogtest"
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
