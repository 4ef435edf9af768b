//go:build corpus

package local

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/logs"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
)

// lockedBuffer is the log output the server writes while the test reads.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// logLine is one JSON line of the logs handler.
type logLine struct {
	Message       string         `json:"message"`
	CorrelationID string         `json:"correlation_id"`
	Extra         map[string]any `json:"extra"`
}

func (b *lockedBuffer) lines(t *testing.T) []logLine {
	t.Helper()
	var out []logLine
	sc := bufio.NewScanner(strings.NewReader(b.String()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var l logLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("log line is not JSON: %v\n%s", err, sc.Bytes())
		}
		out = append(out, l)
	}
	return out
}

// about returns the lines whose attributes name object.
func about(lines []logLine, object string) []logLine {
	var out []logLine
	for _, l := range lines {
		for _, k := range []string{"object", "output", "manifest", "seed"} {
			if l.Extra[k] == object {
				out = append(out, l)
				break
			}
		}
	}
	return out
}

// requestMessages are logged while handling a request or an event, and
// must carry its correlation id.
var requestMessages = map[string]bool{"upload validated": true, "upload rejected": true, "seed written": true,
	"blend written": true, "catalog row appended": true, "batch done": true, "request refused: no valid bearer token": true}

func call(t *testing.T, method, url, token, corr, body string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if corr != "" {
		req.Header.Set("X-Correlation-ID", corr)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// TestCorrelationIDsAndToken runs the local pipeline with an API token
// and follows each correlation id from the request or event that brought
// it to the log lines, the objects written and the catalog rows.
func TestCorrelationIDsAndToken(t *testing.T) {
	const token = "local-token-5b2e9d41c7"
	dir := t.TempDir()
	var out lockedBuffer
	opts := options(t, dir)
	opts.Log, opts.Token = logs.New(&out, logs.Options{Name: "blendpipe-local"}), token
	srv := start(t, opts)
	base := "http://" + srv.Addr()
	lib := srv.Pipeline().Library
	meta := func(name string) map[string]string {
		t.Helper()
		a, err := lib.Stat(context.Background(), name, nil)
		if err != nil {
			t.Fatal(err)
		}
		return a.Metadata
	}
	rowOf := func(name string) *catalog.Row {
		for _, r := range rows(t, dir) {
			if r.Name == name {
				return &r
			}
		}
		return nil
	}

	// The probes and /metrics stay open; the API and the event routes need the token.
	for _, c := range []struct {
		method, path, token string
		want                int
	}{
		{"GET", "/live", "", 200}, {"GET", "/ready", "", 200}, {"GET", "/health", "", 200}, {"GET", "/metrics", "", 200},
		{"GET", "/blends", "", 401}, {"GET", "/blends/x.fbx", "", 401}, {"POST", "/blend", "", 401},
		{"POST", "/blend", "wrong", 401}, {"POST", ValidatePath, "", 401}, {"POST", SyncPath, "wrong", 401},
		{"GET", "/blends", token, 200},
	} {
		code, h, _ := call(t, c.method, base+c.path, c.token, "", "{}")
		if code != c.want {
			t.Errorf("%s %s with token %q: HTTP %d, want %d", c.method, c.path, c.token, code, c.want)
		}
		if code == 401 && !strings.HasPrefix(h.Get("WWW-Authenticate"), "Bearer ") {
			t.Errorf("%s %s: 401 without a Bearer challenge", c.method, c.path)
		}
	}

	// Uploads: the router's event id is each upload's correlation id.
	for name, file := range map[string]string{
		"Idle.fbx": "mixamo/kirby-xbot60__Idle.fbx", "Walking.fbx": "mixamo/kirby-xbot60__Walking_InPlace.fbx",
		"fuzz_0000.fbx": "ufbx/fuzz/fuzz_0000.fbx",
	} {
		if err := os.WriteFile(filepath.Join(dir, "uploads", name), pipelinetest.Corpus(t, file), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "two seed rows", func() bool { return len(rows(t, dir)) == 2 })
	eventually(t, "the rejection", func() bool {
		_, err := os.Stat(filepath.Join(dir, "library", "rejected", "fuzz_0000.fbx.error.json"))
		return err == nil
	})
	eventually(t, "an idle router", srv.Idle)
	seeds := rows(t, dir)
	// The upload, its seed, its row and every line about either share one id.
	for _, row := range seeds {
		id := meta(row.Name)[library.MetaCorrelationID]
		upload := strings.TrimPrefix(meta(row.Name)[library.MetaSource], "uploads/")
		if id == "" || row.CorrelationID != id {
			t.Errorf("%s: metadata correlation id %q, row %q", row.Name, id, row.CorrelationID)
		}
		lines := append(about(out.lines(t), upload), about(out.lines(t), row.Name)...)
		checkLines(t, row.Name, lines, id, "seed written", "upload validated", "catalog row appended")
	}
	rejected := "rejected/fuzz_0000.fbx"
	rid := meta(rejected + library.ErrorSuffix)[library.MetaCorrelationID]
	var why pipeline.Rejection
	reason, err := os.ReadFile(filepath.Join(dir, "library", filepath.FromSlash(rejected+library.ErrorSuffix)))
	if err != nil || json.Unmarshal(reason, &why) != nil {
		t.Fatalf("reason file: %v", err)
	}
	if rid == "" || meta(rejected)[library.MetaCorrelationID] != rid || why.CorrelationID != rid {
		t.Errorf("rejection correlation ids: reason file metadata %q, copy %q, body %q", rid, meta(rejected)[library.MetaCorrelationID], why.CorrelationID)
	}
	checkLines(t, rejected, about(out.lines(t), "fuzz_0000.fbx"), rid, "upload rejected", "upload validated")
	if seeds[0].CorrelationID == seeds[1].CorrelationID {
		t.Errorf("two uploads share the correlation id %q", seeds[0].CorrelationID)
	}

	// A request's X-Correlation-ID: echoed, on the blend, its row and its lines.
	const reqID = "req-e2e-7d1f"
	body := `{"a": "` + seeds[0].Name + `", "b": "` + seeds[1].Name + `", "method": "mix", "ratio": 0.5, "format": "fbx"}`
	code, h, resBody := call(t, "POST", base+"/blend", token, reqID, body)
	var res pipeline.BlendResult
	if code != http.StatusCreated || json.Unmarshal(resBody, &res) != nil {
		t.Fatalf("POST /blend: HTTP %d %s", code, resBody)
	}
	if h.Get("X-Correlation-ID") != reqID {
		t.Errorf("X-Correlation-ID answered %q, want %q", h.Get("X-Correlation-ID"), reqID)
	}
	if got := meta(res.Output)[library.MetaCorrelationID]; got != reqID {
		t.Errorf("blend metadata correlation id %q, want %q", got, reqID)
	}
	eventually(t, "the blend's row", func() bool { return rowOf(res.Output) != nil })
	if r := rowOf(res.Output); r.CorrelationID != reqID {
		t.Errorf("blend row correlation id %q, want %q", r.CorrelationID, reqID)
	}
	eventually(t, "an idle router", srv.Idle)
	checkLines(t, res.Output, about(out.lines(t), res.Output), reqID, "blend written", "catalog row appended")
	// Without an id of its own a request gets one, echoed.
	if _, h, _ := call(t, "GET", base+"/blends", token, "", ""); !logs.ValidID(h.Get("X-Correlation-ID")) {
		t.Errorf("no X-Correlation-ID generated: %q", h.Get("X-Correlation-ID"))
	}

	// A manifest: its event id is on the result file, the batch's blend, its row and lines.
	manifest := "blends:\n  - name: t\n    input1: " + seeds[0].Name + "\n    input2: " + seeds[1].Name + "\n    method: transition\n    output: blend/t.fbx\n"
	if err := os.MkdirAll(filepath.Join(dir, "library", "jobs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "library", "jobs", "t.yaml"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the batch blend's row", func() bool { return rowOf("blend/t.fbx") != nil })
	eventually(t, "an idle router", srv.Idle)
	bid := meta("jobs/t.result.json")[library.MetaCorrelationID]
	var result pipeline.BatchResult
	data, err := os.ReadFile(filepath.Join(dir, "library", "jobs", "t.result.json"))
	if err != nil || json.Unmarshal(data, &result) != nil {
		t.Fatalf("result file: %v", err)
	}
	if bid == "" || result.CorrelationID != bid || meta("blend/t.fbx")[library.MetaCorrelationID] != bid || rowOf("blend/t.fbx").CorrelationID != bid {
		t.Errorf("batch correlation ids: result metadata %q, body %q, blend %q, row %q", bid, result.CorrelationID,
			meta("blend/t.fbx")[library.MetaCorrelationID], rowOf("blend/t.fbx").CorrelationID)
	}
	checkLines(t, "jobs/t.yaml", append(about(out.lines(t), "jobs/t.yaml"), about(out.lines(t), "blend/t.fbx")...), bid,
		"batch done", "blend written", "catalog row appended")

	all := out.lines(t)
	for _, l := range all {
		if requestMessages[l.Message] && l.CorrelationID == "" {
			t.Errorf("%q logged without a correlation id: %v", l.Message, l.Extra)
		}
	}
	if strings.Contains(out.String(), token) {
		t.Errorf("the API token was logged")
	}
}

// checkLines checks that lines hold each message and all carry id.
func checkLines(t *testing.T, what string, lines []logLine, id string, messages ...string) {
	t.Helper()
	seen := map[string]bool{}
	for _, l := range lines {
		seen[l.Message] = true
		if l.CorrelationID != id {
			t.Errorf("%s: line %q has correlation id %q, want %q", what, l.Message, l.CorrelationID, id)
		}
	}
	for _, m := range messages {
		if !seen[m] {
			t.Errorf("%s: no %q line among %d", what, m, len(lines))
		}
	}
}
