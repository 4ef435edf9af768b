package pipeline_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
)

func resync(t *testing.T, p *pipeline.Pipeline) pipeline.ResyncReport {
	t.Helper()
	rep, err := p.Resync(context.Background(), pipeline.ResyncOptions{CorrelationID: "resync-test"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Failed) > 0 {
		t.Fatalf("resync failed for %v", rep.Failed)
	}
	return rep
}

// sameRows compares rows field by field, all but SyncedAt.
func sameRows(t *testing.T, got, want []catalog.Row) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d", len(got), len(want))
	}
	for i := range got {
		g, w := reflect.ValueOf(got[i]), reflect.ValueOf(want[i])
		for f := range g.NumField() {
			field := g.Type().Field(f).Name
			if field == "SyncedAt" {
				continue
			}
			if !reflect.DeepEqual(g.Field(f).Interface(), w.Field(f).Interface()) {
				t.Errorf("%s: %s = %v, want %v", want[i].Name, field, g.Field(f).Interface(), w.Field(f).Interface())
			}
		}
	}
}
