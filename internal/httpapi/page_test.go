package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/localdir"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog/catalogtest"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
)

// A list answer built from cached entries is byte for byte what encoding
// the whole answer gives, and a row's new version (a metadata update keeps
// the generation, a new sync time says it changed) is encoded anew.
func TestPageMatchesEncodingTheAnswer(t *testing.T) {
	t.Parallel()
	lib, err := localdir.Open(filepath.Join(t.TempDir(), "library"), localdir.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	a := &API{P: &pipeline.Pipeline{Library: lib}, FileURL: func(name string) string { return "http://127.0.0.1:8080/files/" + name }}
	ctx := context.Background()
	synced := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	b1 := catalogtest.Blend("blend/a<&>.fbx", 1, "seed/a.fbx", "seed/b.fbx")
	b1.SyncedAt = synced
	s1 := catalogtest.Seed("seed/mixamo/a.fbx", 2)
	s1.SyncedAt = synced
	want := func(key string, rows []catalog.Row, next string) []byte {
		body := map[string]any{}
		out := make([]Entry, len(rows))
		for i, r := range rows {
			out[i] = a.entry(ctx, r, nil)
		}
		body[key], body["count"] = out, len(out)
		if next != "" {
			body["next_cursor"] = next
		}
		w := httptest.NewRecorder()
		writeJSON(w, 200, body)
		return w.Body.Bytes()
	}
	b2 := b1
	b2.Clip, b2.SyncedAt = "renamed", synced.Add(time.Second)
	cases := []struct {
		key  string
		rows []catalog.Row
		next string
	}{
		{"blends", nil, ""},
		{"blends", []catalog.Row{b1}, ""},
		{"seeds", []catalog.Row{s1, b1}, "eyJhZnRlciI6InNlZWQvbWl4YW1vL2EuZmJ4In0"},
		{"blends", []catalog.Row{b1}, ""}, // from the cache
		{"blends", []catalog.Row{b2}, ""}, // a new version of the same generation
	}
	for i, c := range cases {
		got, err := a.page(ctx, c.key, c.rows, c.next)
		if err != nil {
			t.Fatal(err)
		}
		if w := want(c.key, c.rows, c.next); !bytes.Equal(got, w) {
			t.Errorf("case %d: page\n%s\nwant\n%s", i, got, w)
		}
		if !json.Valid(got) {
			t.Errorf("case %d: not JSON: %s", i, got)
		}
	}
}
