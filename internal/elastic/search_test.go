package elastic

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
)

// versionedStore answers the document API as Elasticsearch does for
// external versions, so that the order rules can be checked end to end
// through the real client.
type versionedStore struct {
	mu   sync.Mutex
	docs map[string]int64 // id -> version; negative for a delete tombstone
	body map[string]catalog.Row
	key  string
}

func (v *versionedStore) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Elastic-Product", "Elasticsearch")
	w.Header().Set("Content-Type", "application/json")
	if r.Header.Get("Authorization") != "APIKey "+v.key {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{}`)
		return
	}
	id := r.PathValue("id")
	ver, _ := strconv.ParseInt(r.URL.Query().Get("version"), 10, 64)
	typ := r.URL.Query().Get("version_type")
	v.mu.Lock()
	defer v.mu.Unlock()
	cur, exists := v.docs[id]
	if cur < 0 {
		cur = -cur
	}
	newer := !exists || ver > cur || (typ == "external_gte" && ver >= cur)
	if !newer {
		w.WriteHeader(http.StatusConflict)
		io.WriteString(w, `{"error": {"type": "version_conflict_engine_exception"}, "status": 409}`)
		return
	}
	switch r.Method {
	case http.MethodPut:
		var row catalog.Row
		if err := json.NewDecoder(r.Body).Decode(&row); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		v.docs[id], v.body[id] = ver, row
		w.WriteHeader(http.StatusCreated)
	case http.MethodDelete:
		v.docs[id] = -ver
		delete(v.body, id)
	}
	io.WriteString(w, `{"result": "ok"}`)
}

func TestOutOfOrderEvents(t *testing.T) {
	t.Parallel()
	store := &versionedStore{docs: map[string]int64{}, body: map[string]catalog.Row{}, key: "a2V5"}
	mux := http.NewServeMux()
	mux.Handle("PUT /animations/_doc/{id}", store)
	mux.Handle("DELETE /animations/_doc/{id}", store)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	x, err := New(Options{URL: srv.URL, APIKey: "a2V5"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	row := func(gen int64, deleted bool) catalog.Row {
		return catalog.Row{Bucket: "library", Name: "seed/r/idle.fbx", Generation: gen, Kind: catalog.KindSeed, Deleted: deleted, Rig: "r"}
	}
	id := DocID("library", "seed/r/idle.fbx")
	for _, tc := range []struct {
		name    string
		events  []catalog.Row
		want    int64 // live version, 0 when absent
		deleted bool
	}{
		{"in order", []catalog.Row{row(1, false), row(1, true), row(2, false)}, 2, false},
		{"reversed", []catalog.Row{row(2, false), row(1, true), row(1, false)}, 2, false},
		{"duplicated", []catalog.Row{row(3, false), row(3, false), row(3, false)}, 3, false},
		{"late finalize after delete", []catalog.Row{row(4, false), row(4, true), row(4, false)}, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store.mu.Lock()
			store.docs, store.body = map[string]int64{}, map[string]catalog.Row{}
			store.mu.Unlock()
			for _, r := range tc.events {
				if err := x.Put(ctx, r); err != nil {
					t.Fatalf("Put(%d, deleted=%v): %v", r.Generation, r.Deleted, err)
				}
			}
			store.mu.Lock()
			defer store.mu.Unlock()
			doc, live := store.body[id]
			if tc.deleted != !live || (live && doc.Generation != tc.want) {
				t.Errorf("live %v generation %d, want deleted=%v generation %d", live, doc.Generation, tc.deleted, tc.want)
			}
		})
	}
}

func TestClusterDownIsAnErrorWithinTheTimeout(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more
	x, err := New(Options{URL: url, APIKey: "k", Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = x.Put(context.Background(), catalog.Row{Bucket: "b", Name: "seed/x.fbx", Generation: 1, Kind: catalog.KindSeed})
	if err == nil {
		t.Fatal("indexing into a cluster that is down succeeded")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %s, want at most the timeout", d)
	}
}
