package bq

import (
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"
)

func TestDecoderColumns(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 25, 12, 0, 0, 0, time.FixedZone("CET", 3600))
	row := map[string]bigquery.Value{"s": "walk", "i": int64(7), "f": 1.5, "fi": int64(2), "b": true, "t": at, "null": nil}
	var d decoder
	if got := d.str(row, "s"); got != "walk" {
		t.Errorf("str: %q", got)
	}
	if got := d.int(row, "i"); got != 7 {
		t.Errorf("int: %d", got)
	}
	if got := d.float(row, "f"); got != 1.5 {
		t.Errorf("float: %v", got)
	}
	if got := d.float(row, "fi"); got != 2 {
		t.Errorf("float from an INT64 column: %v", got)
	}
	if got := d.bool(row, "b"); !got {
		t.Error("bool: false")
	}
	if got := d.time(row, "t"); !got.Equal(at) || got.Location() != time.UTC {
		t.Errorf("time: %v, want %v in UTC", got, at)
	}
	if d.str(row, "null") != "" || d.int(row, "null") != 0 || d.float(row, "null") != 0 || d.bool(row, "null") || !d.time(row, "null").IsZero() {
		t.Error("NULL is not the zero value")
	}
	if d.err != nil {
		t.Fatalf("error on matching types: %v", d.err)
	}

	tests := []struct {
		name string
		get  func(*decoder)
		want string
	}{
		{"string wanted", func(d *decoder) { d.str(row, "i") }, "column i: int64, want string"},
		{"int64 wanted", func(d *decoder) { d.int(row, "s") }, "column s: string, want int64"},
		{"float64 wanted", func(d *decoder) { d.float(row, "b") }, "column b: bool, want float64"},
		{"bool wanted", func(d *decoder) { d.bool(row, "f") }, "column f: float64, want bool"},
		{"time wanted", func(d *decoder) { d.time(row, "s") }, "column s: string, want time.Time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d decoder
			tt.get(&d)
			d.int(row, "s") // a later mismatch does not replace the first
			if d.err == nil || !strings.Contains(d.err.Error(), tt.want) {
				t.Errorf("error %v, want %q", d.err, tt.want)
			}
		})
	}
}
