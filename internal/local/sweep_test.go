//go:build corpus

package local

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/corpus"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/eventarc"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// TestBadInputSweep sends bad input to the running local pipeline, as
// `blendpipe dev` serves it: malformed and mistyped blend requests, huge
// numbers, unknown methods, path traversal in every name the API takes
// (raw, absolute, other buckets and prefixes, escaped variants), events
// naming objects outside the rules, and every file of the ufbx fuzz corpus
// dropped into the uploads directory. Each request is answered 4xx naming
// the field at fault, each upload ends as its rejected copy with a typed
// reason (or a seed), the server keeps serving, and nothing is written
// outside the known prefixes or left half-written.
func TestBadInputSweep(t *testing.T) {
	if testing.Short() {
		t.Skip("uploads the whole fuzz corpus")
	}
	dir := t.TempDir()
	srv := start(t, options(t, dir))
	base := "http://" + srv.Addr()
	for name, file := range map[string]string{"Walking.fbx": "mixamo/kirby-xbot60__Walking_InPlace.fbx", "Running.fbx": "mixamo/kirby-xbot60__Running_InPlace.fbx"} {
		if err := os.WriteFile(filepath.Join(dir, "uploads", name), pipelinetest.Corpus(t, file), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "two seed rows", func() bool { return len(rows(t, dir)) == 2 })
	seeds := rows(t, dir)
	walk, run := seeds[0].Name, seeds[1].Name
	pair := fmt.Sprintf(`"a": %q, "b": %q`, walk, run)
	src := func(a string) string { return fmt.Sprintf(`{"a": %q, "b": %q}`, a, run) }
	out := func(o string) string { return fmt.Sprintf(`{%s, "output": %q}`, pair, o) }
	many := make([]string, 1000)
	for i := range many {
		many[i] = walk
	}
	manyJSON, _ := json.Marshal(many)

	type req struct {
		name, method, path, body string
		status                   []int  // any of these
		field                    string // the field the answer names; "" for answers of the router
	}
	s400, s404, s405, s413 := []int{400}, []int{404}, []int{405}, []int{413}
	cases := []req{
		// Malformed JSON and bodies.
		{"truncated JSON", "POST", "/blend", `{"a": `, s400, "body"},
		{"not JSON", "POST", "/blend", `hello`, s400, "body"},
		{"empty body", "POST", "/blend", ``, s400, "body"},
		{"JSON array", "POST", "/blend", `[1, 2]`, s400, "body"},
		{"two JSON values", "POST", "/blend", `{` + pair + `}{}`, s400, "body"},
		{"JSON null", "POST", "/blend", `null`, s400, "a"},
		{"body over 1 MiB", "POST", "/blend", `{"name": "` + strings.Repeat("x", 1<<20) + `"}`, s413, "body"},
		// Wrong types.
		{"ratio as string", "POST", "/blend", `{` + pair + `, "ratio": "half"}`, s400, "ratio"},
		{"source as number", "POST", "/blend", `{"a": 5, "b": "` + run + `"}`, s400, "a"},
		{"sources as string", "POST", "/blend", `{"sources": "` + walk + `"}`, s400, "sources"},
		{"options as array", "POST", "/blend", `{` + pair + `, "options": []}`, s400, "options"},
		{"mask as number", "POST", "/blend", `{` + pair + `, "method": "layer", "mask": 5}`, s400, "mask"},
		{"loop as string", "POST", "/blend", `{` + pair + `, "loop": "yes"}`, s400, "loop"},
		{"fps as string", "POST", "/blend", `{` + pair + `, "fps": "60"}`, s400, "fps"},
		{"frames as fraction", "POST", "/blend", `{` + pair + `, "method": "transition", "transition_frames": 1.5}`, s400, "transition_frames"},
		{"unknown field", "POST", "/blend", `{` + pair + `, "ratoi": 0.5}`, s400, "ratoi"},
		// Huge and out-of-range numbers.
		{"ratio 1e308", "POST", "/blend", `{` + pair + `, "ratio": 1e308}`, s400, "ratio"},
		{"ratio 1e400", "POST", "/blend", `{` + pair + `, "ratio": 1e400}`, s400, "ratio"},
		{"ratio negative", "POST", "/blend", `{` + pair + `, "ratio": -0.5}`, s400, "ratio"},
		{"fps 1e9", "POST", "/blend", `{` + pair + `, "fps": 1e9}`, s400, "fps"},
		{"frames 1e9", "POST", "/blend", `{` + pair + `, "method": "transition", "transition_frames": 1000000000}`, s400, "transition_frames"},
		{"frames over int64", "POST", "/blend", `{` + pair + `, "method": "transition", "transition_frames": 99999999999999999999}`, s400, "transition_frames"},
		{"transition_at negative", "POST", "/blend", `{` + pair + `, "method": "transition", "transition_at": -1}`, s400, "transition_at"},
		{"weight 2", "POST", "/blend", `{` + pair + `, "method": "additive", "weight": 2}`, s400, "weight"},
		{"reference_frame negative", "POST", "/blend", `{` + pair + `, "method": "additive", "reference_frame": -1}`, s400, "reference_frame"},
		{"mask_weight negative", "POST", "/blend", `{` + pair + `, "method": "layer", "mask": "upper_body", "mask_weight": -0.5}`, s400, "mask_weight"},
		{"positions too many", "POST", "/blend", `{"sources": ["` + walk + `", "` + run + `"], "options": {"method": "blendspace", "positions": [0, 1, 2]}}`, s400, "positions"},
		{"1000 sources", "POST", "/blend", `{"sources": ` + string(manyJSON) + `, "options": {"method": "blendspace"}}`, s413, "sources"},
		{"limit not a number", "GET", "/blends?limit=abc", "", s400, "limit"},
		{"limit 1e99", "GET", "/blends?limit=1e99", "", s400, "limit"},
		{"limit over int64", "GET", "/blends?limit=99999999999999999999", "", s400, "limit"},
		{"limit zero", "GET", "/blends?limit=0", "", s400, "limit"},
		// Unknown methods.
		{"method snn", "POST", "/blend", `{` + pair + `, "method": "snn"}`, s400, "method"},
		{"method with SQL", "POST", "/blend", `{` + pair + `, "method": "mix'; DROP TABLE animations; --"}`, s400, "method"},
		{"method as path", "POST", "/blend", `{` + pair + `, "method": "../../mix"}`, s400, "method"},
		{"method lookalike", "POST", "/blend", `{` + pair + `, "method": "mıx"}`, s400, "method"},
		{"curve unknown", "POST", "/blend", `{` + pair + `, "method": "transition", "curve": "bezier"}`, s400, "curve"},
		{"format obj", "POST", "/blend", `{` + pair + `, "format": "obj"}`, s400, "format"},
		{"format as path", "POST", "/blend", `{` + pair + `, "format": "../fbx"}`, s400, "format"},
		// Path traversal in sources.
		{"source ../", "POST", "/blend", src("seed/../../catalog.db"), s400, "sources[0]"},
		{"source leading ../", "POST", "/blend", src("../uploads/Walking.fbx"), s400, "sources[0]"},
		{"source absolute", "POST", "/blend", src("/etc/passwd"), s400, "sources[0]"},
		{"source absolute in dir", "POST", "/blend", src(filepath.Join(dir, "catalog.db")), s400, "sources[0]"},
		{"source other bucket", "POST", "/blend", src("gs://uploads/Walking.fbx"), s400, "sources[0]"},
		{"source bucket/name", "POST", "/blend", src("uploads/Walking.fbx"), s400, "sources[0]"},
		{"source file URL", "POST", "/blend", src("file:///etc/passwd"), s400, "sources[0]"},
		{"source under jobs", "POST", "/blend", src("jobs/x.yaml"), s400, "sources[0]"},
		{"source under rejected", "POST", "/blend", src("rejected/fuzz_0000.fbx"), s400, "sources[0]"},
		{"source backslashes", "POST", "/blend", src(`seed\..\..\catalog.db`), s400, "sources[0]"},
		{"source JSON-escaped dots", "POST", "/blend", `{"a": "seed/\u002e\u002e/\u002e\u002e/catalog.db", "b": "` + run + `"}`, s400, "sources[0]"},
		{"source NUL", "POST", "/blend", `{"a": "seed/x.fbx\u0000.png", "b": "` + run + `"}`, s400, "sources[0]"},
		{"source empty segment", "POST", "/blend", src("seed//x.fbx"), s400, "sources[0]"},
		{"source dot segment", "POST", "/blend", src("seed/./x.fbx"), s400, "sources[0]"},
		{"source percent-encoded dots", "POST", "/blend", src("seed/%2e%2e/%2e%2e/catalog.db"), s404, "sources[0]"},
		{"source percent-encoded slash", "POST", "/blend", src("seed/..%2f..%2fcatalog.db"), s404, "sources[0]"},
		{"source over 1024 bytes", "POST", "/blend", src("seed/" + strings.Repeat("a", 1100)), s400, "sources[0]"},
		{"second source ../", "POST", "/blend", fmt.Sprintf(`{"a": %q, "b": "seed/../../../etc/passwd"}`, walk), s400, "sources[1]"},
		{"third source absolute", "POST", "/blend", `{"sources": ["` + walk + `", "` + run + `", "/etc/passwd"], "options": {"method": "blendspace"}}`, s400, "sources[2]"},
		// Path traversal in the output.
		{"output ../", "POST", "/blend", out("blend/../seed/x.fbx"), s400, "output"},
		{"output leading ../", "POST", "/blend", out("../../../../tmp/x.fbx"), s400, "output"},
		{"output absolute", "POST", "/blend", out("/tmp/x.fbx"), s400, "output"},
		{"output other bucket", "POST", "/blend", out("gs://uploads/blend/x.fbx"), s400, "output"},
		{"output under seed", "POST", "/blend", out("seed/x/x.fbx"), s400, "output"},
		{"output reason file", "POST", "/blend", out("blend/x.fbx.error.json"), s400, "format"},
		{"output backslashes", "POST", "/blend", out(`blend\..\..\x.fbx`), s400, "output"},
		{"output other extension", "POST", "/blend", out("blend/x.sh"), s400, "format"},
		// Path traversal in GET /blends/{name}.
		{"get ../ encoded", "GET", "/blends/..%2F..%2Fcatalog.db", "", s400, "name"},
		{"get dots encoded", "GET", "/blends/%2e%2e/%2e%2e/catalog.db", "", s400, "name"},
		{"get backslash", "GET", "/blends/..%5C..%5Ccatalog.db", "", s400, "name"},
		{"get NUL", "GET", "/blends/x%00.fbx", "", s400, "name"},
		{"get missing", "GET", "/blends/no/such.fbx", "", s404, "name"},
		// Routes and methods that do not exist.
		{"GET /blend", "GET", "/blend", "", s405, ""},
		{"DELETE /blends", "DELETE", "/blends", "", s405, ""},
		{"event route without an event", "POST", ValidatePath, `{"name": "../x"}`, s400, ""},
	}
	codes := map[int]int{}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := http.NewRequest(tc.method, base+tc.path, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			r.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(r)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			codes[resp.StatusCode]++
			ok := false
			for _, s := range tc.status {
				ok = ok || s == resp.StatusCode
			}
			if !ok {
				t.Errorf("HTTP %d %.300s, want %v", resp.StatusCode, b, tc.status)
			}
			if tc.field == "" {
				return
			}
			var e struct{ Error, Kind, Field string }
			if err := json.Unmarshal(b, &e); err != nil || e.Field != tc.field || e.Error == "" || e.Kind == "" {
				t.Errorf("answer %.300s (%v), want an error naming %q", b, err, tc.field)
			}
		})
	}

	// Events naming uploads the rules refuse, as a bucket holding such names
	// would send: acknowledged, and each recorded as rejected.
	ce, err := cloudevents.NewClientHTTP()
	if err != nil {
		t.Fatal(err)
	}
	badNames := []string{"../escape.fbx", "/abs.fbx", "a//b.fbx", `dir\x.fbx`, "x/../../y.fbx", strings.Repeat("n", 2000) + ".fbx"}
	for i, name := range badNames {
		ev, err := eventarc.Encode(storage.Event{Type: storage.ObjectFinalized,
			Object: storage.Attrs{Bucket: "uploads", Name: name, Generation: int64(i + 1), Size: 10}}, fmt.Sprintf("bad-%d", i))
		if err != nil {
			t.Fatal(err)
		}
		res := ce.Send(cloudevents.ContextWithTarget(t.Context(), base+ValidatePath), ev)
		var hr *cehttp.Result
		code := 0
		if cloudevents.ResultAs(res, &hr) {
			code = hr.StatusCode
		}
		codes[code]++
		if code/100 != 2 {
			t.Errorf("event for %.40q: HTTP %d (%v); want it acknowledged", name, code, res)
		}
	}

	// Every fuzz file dropped into the uploads directory.
	files, err := filepath.Glob(filepath.Join(corpus.Path(t, "ufbx/fuzz"), "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("fuzz corpus: %d files, %v", len(files), err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dropFile(t, dir, filepath.Base(f), data)
	}
	lib := filepath.Join(dir, "library")
	seedRows := func() map[string]bool {
		m := map[string]bool{}
		for _, r := range rows(t, dir) {
			m[r.Clip] = true
		}
		return m
	}
	accountedFor := func() (int, map[pipeline.Reason]int, []string) {
		seeded := seedRows()
		n, reasons, missing := 0, map[pipeline.Reason]int{}, []string(nil)
		for _, f := range files {
			base := filepath.Base(f)
			body, err := os.ReadFile(filepath.Join(lib, "rejected", base+library.ErrorSuffix))
			switch {
			case err == nil:
				var r pipeline.Rejection
				if json.Unmarshal(body, &r) != nil {
					missing = append(missing, base)
					continue
				}
				reasons[r.Reason]++
				n++
			case seeded[library.Slug(strings.TrimSuffix(base, filepath.Ext(base)))]:
				reasons["seeded"]++
				n++
			default:
				missing = append(missing, base)
			}
		}
		return n, reasons, missing
	}
	deadline := time.Now().Add(5 * time.Minute)
	for {
		n, _, missing := accountedFor()
		if n == len(files) && srv.Idle() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d uploads accounted for; missing %v", n, len(files), missing[:min(len(missing), 10)])
		}
		time.Sleep(100 * time.Millisecond)
	}
	_, reasons, _ := accountedFor()
	known := map[pipeline.Reason]bool{pipeline.ReasonUnreadable: true, pipeline.ReasonNotHumanoid: true,
		pipeline.ReasonNoAnimation: true, pipeline.ReasonTooLarge: true, "seeded": true}
	for r := range reasons {
		if !known[r] {
			t.Errorf("untyped reason %q", r)
		}
	}
	for _, f := range files {
		body, err := os.ReadFile(filepath.Join(lib, "rejected", filepath.Base(f)+library.ErrorSuffix))
		if err != nil {
			continue
		}
		var r pipeline.Rejection
		if err := json.Unmarshal(body, &r); err != nil || r.Message == "" || r.Name != filepath.Base(f) || r.Size == 0 {
			t.Errorf("%s: reason file %s", filepath.Base(f), body)
		}
	}

	// Nothing half-written or out of place: every rejected copy has its
	// reason and every reason its copy; the library holds only seeds, blends
	// and rejections, each whole.
	objs, err := storage.ListAll(t.Context(), srv.Pipeline().Library, nil)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, a := range objs {
		names[a.Name] = true
	}
	badNamed := 0
	for _, a := range objs {
		switch {
		case strings.HasPrefix(a.Name, library.RejectedPrefix) && strings.HasSuffix(a.Name, library.ErrorSuffix):
			body, _, err := storage.ReadAll(t.Context(), srv.Pipeline().Library, a.Name, nil)
			var r pipeline.Rejection
			if err == nil {
				err = json.Unmarshal(body, &r)
			}
			switch {
			case err != nil || r.Reason == "":
				t.Errorf("%s: %v %s", a.Name, err, body)
			case r.Reason == pipeline.ReasonBadName:
				badNamed++ // never read, so no copy
			case !names[strings.TrimSuffix(a.Name, library.ErrorSuffix)]:
				t.Errorf("%s without its rejected copy", a.Name)
			}
		case strings.HasPrefix(a.Name, library.RejectedPrefix):
			if !names[a.Name+library.ErrorSuffix] {
				t.Errorf("%s without its reason", a.Name)
			}
		case strings.HasPrefix(a.Name, library.SeedPrefix), strings.HasPrefix(a.Name, library.BlendPrefix):
			if a.Metadata[library.MetaSHA256] == "" {
				t.Errorf("%s without its metadata", a.Name)
			}
		default:
			t.Errorf("unexpected object %s", a.Name)
		}
	}
	if badNamed != len(badNames) {
		t.Errorf("%d bad_name rejections for %d events", badNamed, len(badNames))
	}
	// The server still serves.
	for _, path := range []string{"/live", "/ready"} {
		resp, err := http.Get(base + path)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s after the sweep: %v %v", path, resp, err)
		}
		resp.Body.Close()
	}
	code, body, err := post(http.DefaultClient, base+"/blend", `{`+pair+`}`)
	if err != nil || code/100 != 2 {
		t.Errorf("a good blend after the sweep: HTTP %d %.200s %v", code, body, err)
	}

	var cs, rs []string
	for c, n := range codes {
		cs = append(cs, fmt.Sprintf("%d=%d", c, n))
	}
	for r, n := range reasons {
		rs = append(rs, fmt.Sprintf("%s=%d", r, n))
	}
	sort.Strings(cs)
	sort.Strings(rs)
	t.Logf("HTTP API and events: %d bad requests, answered %s", len(cases)+len(badNames), strings.Join(cs, " "))
	t.Logf("fuzz corpus: %d files dropped, %s", len(files), strings.Join(rs, " "))
}
