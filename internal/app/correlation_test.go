//go:build corpus

package app

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/sethvargo/go-envconfig"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/config"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/eventarc"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/httpapi"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/logs"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/sqlite"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/catalog"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// secretStore is Secret Manager for config.Load: reference → payload.
type secretStore map[string]string

func (s secretStore) AccessSecret(_ context.Context, ref string) (string, error) {
	v, ok := s[ref]
	if !ok {
		return "", fmt.Errorf("secret %s: not found", ref)
	}
	return v, nil
}

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

func (b *lockedBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(b.String()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line is not JSON: %v\n%s", err, sc.Bytes())
		}
		out = append(out, m)
	}
	return out
}

// about returns the log lines whose attributes name object.
func about(lines []map[string]any, object string) []map[string]any {
	var out []map[string]any
	for _, l := range lines {
		extra, _ := l["extra"].(map[string]any)
		for _, k := range []string{"object", "output", "seed"} {
			if extra[k] == object {
				out = append(out, l)
				break
			}
		}
	}
	return out
}

func checkLines(t *testing.T, what string, lines []map[string]any, id string, messages ...string) {
	t.Helper()
	seen := map[string]bool{}
	for _, l := range lines {
		seen[l["message"].(string)] = true
		if l["correlation_id"] != id {
			t.Errorf("%s: line %q has correlation id %v, want %q", what, l["message"], l["correlation_id"], id)
		}
	}
	for _, m := range messages {
		if !seen[m] {
			t.Errorf("%s: no %q line among %d", what, m, len(lines))
		}
	}
}

const (
	esKey      = "es-api-key-Zm9vYmFyYmF6cXV4"
	esPassword = "hunter2-es-password"
)

// cloudService builds the three services as Main wires them (Handler, the
// logs handler from the configuration, Secret Manager references resolved)
// on fake-gcs-server, an embedded catalog and an Elasticsearch that is down
// but checks the API key it is sent.
func cloudService(t *testing.T, out io.Writer) (p *pipeline.Pipeline, validate, sync, blend string, cfg *config.Config, esCalls *atomic.Int64, esDown func()) {
	t.Helper()
	esCalls = &atomic.Int64{}
	es := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// With user:password in the URL the client sends those instead of the key.
		_, pw, basic := r.BasicAuth()
		if r.Header.Get("Authorization") == "APIKey "+esKey || basic && pw == esPassword {
			esCalls.Add(1)
		}
		w.Header().Set("X-Elastic-Product", "Elasticsearch")
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, `{"error": "unavailable"}`)
	}))
	t.Cleanup(es.Close)
	esURL := strings.Replace(es.URL, "http://", "http://elastic:"+esPassword+"@", 1)
	ctx := context.Background()
	var err error
	cfg, err = config.Load(ctx, config.Options{
		Lookuper: envconfig.MapLookuper(map[string]string{
			"UPLOADS_BUCKET": "uploads", "GCS_BUCKET": "library", "BQ_PROJECT": "test-project", "GOOGLE_CLOUD_PROJECT": "test-project",
			"ES_API_KEY": "projects/test-project/secrets/es-key/versions/1", "ELASTICSEARCH_URL": "projects/test-project/secrets/es-url/versions/3",
		}),
		Secrets: secretStore{"projects/test-project/secrets/es-key/versions/1": esKey, "projects/test-project/secrets/es-url/versions/3": esURL},
	})
	if err != nil {
		t.Fatal(err)
	}
	cat, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	log := cfg.Logger(out, "test-service")
	a, err := Open(ctx, cfg, Needs{Uploads: true, Library: true, Catalog: true},
		testAdapters(pipelinetest.FakeGCS(t, "uploads", "library"), cat).Open, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	p = a.Pipeline
	log.Info("serving", "config", cfg)
	serve := func(fn http.Handler) string {
		srv := httptest.NewServer(a.Handler(fn))
		t.Cleanup(srv.Close)
		return srv.URL
	}
	return p, serve(eventarc.HTTP(eventarc.Validate(p, log))), serve(eventarc.HTTP(eventarc.Sync(p, log))),
		serve((&httpapi.API{P: p, Log: log}).Handler()), cfg, esCalls, es.Close
}

// TestCorrelationIDsOnCloudRun follows the CloudEvent id of an upload and
// the X-Request-ID of a blend request through the services as Cloud Run
// runs them: to every log line, the objects written and the catalog rows.
func TestCorrelationIDsOnCloudRun(t *testing.T) {
	var out lockedBuffer
	p, validate, syncURL, blend, _, _, _ := cloudService(t, &out)
	ctx := context.Background()
	seedOf := map[string]string{}
	for id, up := range map[string]struct{ name, file string }{
		"evt-upload-1001": {"Idle.fbx", "mixamo/kirby-xbot60__Idle.fbx"},
		"evt-upload-1002": {"Walking.fbx", "mixamo/kirby-xbot60__Walking_InPlace.fbx"},
		"evt-upload-1003": {"fuzz_0000.fbx", "ufbx/fuzz/fuzz_0000.fbx"},
	} {
		obj := pipelinetest.Put(t, p.Uploads, up.name, pipelinetest.Corpus(t, up.file))
		if code := pipelinetest.SendID(t, validate+"/", storage.Event{Type: storage.ObjectFinalized, Object: obj}, id); code/100 != 2 {
			t.Fatalf("validate %s: HTTP %d", up.name, code)
		}
		seedOf[id] = up.name
	}
	var seeds []string
	for name := range pipelinetest.Names(t, p.Library) {
		a, err := p.Library.Stat(ctx, name, nil)
		if err != nil {
			t.Fatal(err)
		}
		id := a.Metadata[library.MetaCorrelationID]
		switch {
		case strings.HasPrefix(name, library.SeedPrefix):
			seeds = append(seeds, name)
			if up := seedOf[id]; up == "" || up == "fuzz_0000.fbx" {
				t.Errorf("seed %s has correlation id %q, not its upload event's", name, id)
			}
			// The sync of the seed is another event; the row keeps the upload's id.
			if code := pipelinetest.SendID(t, syncURL+"/", storage.Event{Type: storage.ObjectFinalized, Object: a}, "evt-sync-"+id); code/100 != 2 {
				t.Fatalf("sync %s: HTTP %d", name, code)
			}
			row, err := p.Catalog.Get(ctx, name)
			if err != nil || row.CorrelationID != id {
				t.Errorf("row of %s: correlation id %q (%v), want %q", name, row.CorrelationID, err, id)
			}
			checkLines(t, name, append(about(out.lines(t), seedOf[id]), about(out.lines(t), name)...), id,
				"seed written", "upload validated", "catalog row appended", "search indexing failed; sync continues")
		case strings.HasPrefix(name, library.RejectedPrefix):
			if id != "evt-upload-1003" {
				t.Errorf("%s has correlation id %q, want evt-upload-1003", name, id)
			}
			if strings.HasSuffix(name, library.ErrorSuffix) {
				data, _, err := storage.ReadAll(ctx, p.Library, name, nil)
				var why pipeline.Rejection
				if err != nil || json.Unmarshal(data, &why) != nil || why.CorrelationID != "evt-upload-1003" {
					t.Errorf("%s: correlation id %q (%v)", name, why.CorrelationID, err)
				}
			}
		}
	}
	checkLines(t, "fuzz_0000.fbx", about(out.lines(t), "fuzz_0000.fbx"), "evt-upload-1003", "upload rejected", "upload validated")
	if len(seeds) != 2 {
		t.Fatalf("seeds %v, want 2", seeds)
	}

	// An HTTP request's X-Request-ID, with a trace.
	const reqID = "req-svc-42"
	const trace = "4bf92f3577b34da6a3ce929d0e0e4736"
	body := `{"a": "` + seeds[0] + `", "b": "` + seeds[1] + `", "method": "mix", "ratio": 0.5}`
	req, _ := http.NewRequest("POST", blend+"/blend", strings.NewReader(body))
	req.Header.Set("X-Request-ID", reqID)
	req.Header.Set("traceparent", "00-"+trace+"-00f067aa0ba902b7-01")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var res pipeline.BlendResult
	err = json.NewDecoder(resp.Body).Decode(&res)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /blend: HTTP %d %v", resp.StatusCode, err)
	}
	if got := resp.Header.Get("X-Correlation-ID"); got != reqID {
		t.Errorf("X-Correlation-ID = %q, want %q", got, reqID)
	}
	a, err := p.Library.Stat(ctx, res.Output, nil)
	if err != nil || a.Metadata[library.MetaCorrelationID] != reqID {
		t.Fatalf("blend metadata correlation id %q (%v)", a.Metadata[library.MetaCorrelationID], err)
	}
	if code := pipelinetest.SendID(t, syncURL+"/", storage.Event{Type: storage.ObjectFinalized, Object: a}, "evt-sync-blend"); code/100 != 2 {
		t.Fatalf("sync the blend: HTTP %d", code)
	}
	row, err := p.Catalog.Get(ctx, res.Output)
	if err != nil || row.CorrelationID != reqID || row.Kind != catalog.KindBlend {
		t.Errorf("blend row: %+v %v", row, err)
	}
	lines := about(out.lines(t), res.Output)
	checkLines(t, res.Output, lines, reqID, "blend written", "catalog row appended")
	for _, l := range lines {
		if l["message"] == "blend written" && l[logs.TraceKey] != "projects/test-project/traces/"+trace {
			t.Errorf("blend line trace = %v", l[logs.TraceKey])
		}
	}
	// The events answered with their own ids.
	for _, l := range out.lines(t) {
		if l["message"] == "upload validated" {
			extra := l["extra"].(map[string]any)
			if extra["event_id"] != l["correlation_id"] {
				t.Errorf("upload validated: event %v, correlation id %v", extra["event_id"], l["correlation_id"])
			}
		}
	}
}

// TestSecretsStayOutOfLogsAndErrors resolves the Elasticsearch URL (with a
// password) and API key through Secret Manager references, runs events,
// requests and failures that involve Elasticsearch, and checks that neither
// value is in any log line, answer or error, while Elasticsearch did get
// the credentials.
func TestSecretsStayOutOfLogsAndErrors(t *testing.T) {
	var out lockedBuffer
	p, validate, syncURL, blend, cfg, esCalls, esDown := cloudService(t, &out)
	if cfg.ESAPIKey != esKey {
		t.Fatal("the API key was not resolved from its reference")
	}
	var answers []string
	obj := pipelinetest.Put(t, p.Uploads, "Idle.fbx", pipelinetest.Corpus(t, "mixamo/kirby-xbot60__Idle.fbx"))
	pipelinetest.SendID(t, validate+"/", storage.Event{Type: storage.ObjectFinalized, Object: obj}, "evt-1")
	ctx := context.Background()
	names := pipelinetest.Names(t, p.Library)
	// Elasticsearch answering 503, then gone (connection refused).
	for _, down := range []bool{false, true} {
		if down {
			esDown()
		}
		for name := range names {
			a, err := p.Library.Stat(ctx, name, nil)
			if err != nil {
				t.Fatal(err)
			}
			pipelinetest.SendID(t, syncURL+"/", storage.Event{Type: storage.ObjectFinalized, Object: a}, "evt-2")
			pipelinetest.SendID(t, syncURL+"/", storage.Event{Type: storage.ObjectDeleted, Object: a}, "evt-3")
			// The search port's own error, as the sync sees it.
			if err := p.Search.Put(ctx, catalog.Row{Bucket: a.Bucket, Name: a.Name, Generation: a.Generation}); err == nil {
				t.Error("indexing into a failing Elasticsearch succeeded")
			} else {
				answers = append(answers, err.Error(), fmt.Sprintf("%+v %#v", err, err))
			}
		}
	}
	for _, path := range []string{"/health", "/ready", "/blends", "/blends/nope.fbx", "/metrics"} {
		resp, err := http.Get(blend + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		answers = append(answers, string(b))
	}
	resp, err := http.Post(blend+"/blend", "application/json", strings.NewReader(`{"a": "seed/x.fbx", "b": "../etc/passwd"}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	answers = append(answers, string(b))
	// Bad configuration names the variable, not the value.
	_, err = config.Load(ctx, config.Options{
		Lookuper: envconfig.MapLookuper(map[string]string{"ELASTICSEARCH_URL": "projects/p/secrets/u/versions/1", "ES_API_KEY": esKey}),
		Secrets:  secretStore{"projects/p/secrets/u/versions/1": "ftp://elastic:" + esPassword + "@es.internal"},
	})
	if err == nil {
		t.Fatal("an ftp:// ELASTICSEARCH_URL was accepted")
	}
	answers = append(answers, err.Error())

	if esCalls.Load() == 0 {
		t.Fatal("Elasticsearch never got the credentials: the test proves nothing")
	}
	logged := out.String()
	if !strings.Contains(logged, "search indexing failed") || !strings.Contains(logged, "[redacted]") {
		t.Fatalf("the failures and the configuration were not logged:\n%s", logged)
	}
	for _, secret := range []string{esKey, esPassword} {
		if strings.Contains(logged, secret) {
			t.Errorf("secret %q logged:\n%s", secret, logged)
		}
		for _, a := range answers {
			if strings.Contains(a, secret) {
				t.Errorf("secret %q in an answer or error: %s", secret, a)
			}
		}
	}
}
