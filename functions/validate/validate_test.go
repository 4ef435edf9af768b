//go:build corpus

package validate

import (
	"context"
	"encoding/json"
	"maps"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// TestService serves the function's handler (the source deploy's test at the
// module root serves it through functions-framework-go) and sends it
// Eventarc's CloudEvents for uploads on fake-gcs-server.
func TestService(t *testing.T) {
	env := pipelinetest.New(t, "gcs")
	p := env.P
	srv := httptest.NewServer(Service(p, nil, pipelinetest.Logger(t)))
	t.Cleanup(srv.Close)
	url := srv.URL + "/"
	ctx := context.Background()

	uploads := map[string]string{
		"Idle.fbx":      "mixamo/kirby-xbot60__Idle.fbx",
		"Walking.glb":   "mixamo/add101-ch46__walking.glb",
		"fuzz_0000.fbx": "ufbx/fuzz/fuzz_0000.fbx",
		"X Bot.fbx":     "mixamo/kirby-xbot__x_bot_character_skin.fbx",
	}
	for name, file := range uploads {
		pipelinetest.Put(t, p.Uploads, name, pipelinetest.Corpus(t, file))
	}
	evs := env.Events.Take()
	for _, ev := range evs {
		if code := pipelinetest.SendID(t, url, ev, "id-"+ev.Object.Name); code/100 != 2 {
			t.Fatalf("%s: HTTP %d", ev.Object.Name, code)
		}
	}
	lib := pipelinetest.Names(t, p.Library)
	want := []string{"rejected/fuzz_0000.fbx", "rejected/fuzz_0000.fbx.error.json", "rejected/X Bot.fbx", "rejected/X Bot.fbx.error.json"}
	for _, name := range want {
		if _, ok := lib[name]; !ok {
			t.Errorf("%s missing from %v", name, lib)
		}
	}
	seeds := 0
	for name := range lib {
		if strings.HasPrefix(name, library.SeedPrefix) {
			seeds++
			a, err := p.Library.Stat(ctx, name, nil)
			if err != nil {
				t.Fatal(err)
			}
			if a.Metadata[library.MetaSHA256] == "" || !strings.HasPrefix(a.Metadata[library.MetaCorrelationID], "id-") {
				t.Errorf("%s metadata %v", name, a.Metadata)
			}
		}
	}
	if seeds != 2 || len(lib) != 6 {
		t.Errorf("library %v, want 2 seeds and 2 rejections", lib)
	}
	body, _, err := storage.ReadAll(ctx, p.Library, "rejected/X Bot.fbx.error.json", nil)
	if err != nil {
		t.Fatal(err)
	}
	var r pipeline.Rejection
	if err := json.Unmarshal(body, &r); err != nil || r.Reason != pipeline.ReasonNoAnimation {
		t.Errorf("character-only reason %s, %v", body, err)
	}

	// The same events again: all acknowledged, nothing written.
	env.Events.Take()
	for _, ev := range evs {
		if code := pipelinetest.SendID(t, url, ev, "id-"+ev.Object.Name); code/100 != 2 {
			t.Fatalf("redelivery of %s: HTTP %d", ev.Object.Name, code)
		}
	}
	if again := pipelinetest.Names(t, p.Library); !maps.Equal(lib, again) {
		t.Errorf("redelivery changed the library: %v -> %v", lib, again)
	}
	// Library events reach this service too; it ignores them.
	for _, ev := range env.Events.Take() {
		t.Errorf("redelivery wrote %s", ev.Object.Name)
	}
	seed := storage.Event{Type: storage.ObjectFinalized, Object: storage.Attrs{Bucket: p.Library.Bucket(), Name: "seed/a/b.fbx", Generation: 1, Size: 1}}
	if code := pipelinetest.Send(t, url, seed); code/100 != 2 {
		t.Errorf("library event: HTTP %d", code)
	}
}
