package logs

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"testing/slogtest"
	"time"
)

var testEnv = Env{Hostname: "host-1", PodName: "worker-7f9c", NodeName: "node-a"}

func lines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(buf)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line is not JSON: %v\n%s", err, sc.Bytes())
		}
		out = append(out, m)
	}
	return out
}

// TestSlogContract runs the standard library's handler tests, reading each
// line's extra as the record's attributes.
func TestSlogContract(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	h := NewHandler(&buf, Options{Env: testEnv})
	results := func() []map[string]any {
		var out []map[string]any
		for _, m := range lines(t, &buf) {
			r := map[string]any{slog.LevelKey: m["level"], slog.MessageKey: m["message"]}
			if ts, ok := m["timestamp"]; ok {
				r[slog.TimeKey] = ts
			}
			if extra, ok := m["extra"].(map[string]any); ok {
				for k, v := range extra {
					r[k] = v
				}
			}
			out = append(out, r)
		}
		return out
	}
	if err := slogtest.TestHandler(h, results); err != nil {
		t.Fatal(err)
	}
}

func TestFields(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := New(&buf, Options{Name: "blend", Project: "proj-1", Env: testEnv, Level: slog.LevelDebug})
	ctx := WithTrace(WithCorrelationID(context.Background(), "req-42"),
		Trace{ID: "4bf92f3577b34da6a3ce929d0e0e4736", SpanID: "00f067aa0ba902b7", Sampled: true})
	_, _, line, _ := runtime.Caller(0)
	log.InfoContext(ctx, "blend written", "output", "blend/x.fbx", "frames", 30, slog.Group("q", "skating", 1.5))
	log.With("service", "blend").WarnContext(ctx, "slow", "took", 2*time.Second)
	log.ErrorContext(context.Background(), "failed", "error", errors.New("boom"))
	log.DebugContext(ctx, "detail", "correlation_id", "own-id")
	got := lines(t, &buf)
	if len(got) != 4 {
		t.Fatalf("%d lines, want 4", len(got))
	}
	first := got[0]
	want := map[string]any{
		"level": "INFO", "severity": "INFO", "logger": "blend", "message": "blend written", "correlation_id": "req-42",
		TraceKey: "projects/proj-1/traces/4bf92f3577b34da6a3ce929d0e0e4736", SpanKey: "00f067aa0ba902b7", TraceSampledKey: true,
	}
	for k, v := range want {
		if first[k] != v {
			t.Errorf("%s = %v, want %v", k, first[k], v)
		}
	}
	if ts, err := time.Parse(time.RFC3339Nano, first["timestamp"].(string)); err != nil || time.Since(ts) > time.Minute {
		t.Errorf("timestamp %v: %v", first["timestamp"], err)
	}
	// Cloud Logging takes the LogEntry's sourceLocation from this field, its
	// line an int64 and so a string in JSON
	// (cloud.google.com/logging/docs/structured-logging#structured_logging_special_fields).
	src, _ := first[SourceKey].(map[string]any)
	if !strings.HasSuffix(fmt.Sprint(src["file"]), "logs_test.go") || src["line"] != strconv.Itoa(line+1) || !strings.HasSuffix(fmt.Sprint(src["function"]), ".TestFields") {
		t.Errorf("%s = %v", SourceKey, src)
	}
	if _, ok := first["source"]; ok {
		t.Errorf("source written beside %s", SourceKey)
	}
	env := first["environment"].(map[string]any)
	if env["hostname"] != "host-1" || env["pod_name"] != "worker-7f9c" || env["node_name"] != "node-a" {
		t.Errorf("environment = %v", env)
	}
	extra := first["extra"].(map[string]any)
	if extra["output"] != "blend/x.fbx" || extra["frames"] != 30.0 || extra["q"].(map[string]any)["skating"] != 1.5 {
		t.Errorf("extra = %v", extra)
	}
	if _, ok := extra["correlation_id"]; ok {
		t.Errorf("correlation_id repeated in extra")
	}

	if got[1]["severity"] != "WARNING" || got[1]["extra"].(map[string]any)["took"] != "2s" || got[1]["extra"].(map[string]any)["service"] != "blend" {
		t.Errorf("second line = %v", got[1])
	}
	third := got[2]
	if third["severity"] != "ERROR" || third["extra"].(map[string]any)["error"] != "boom" {
		t.Errorf("third line = %v", third)
	}
	for _, k := range []string{"correlation_id", TraceKey} {
		if _, ok := third[k]; ok {
			t.Errorf("%s written without one in the context", k)
		}
	}
	if got[3]["severity"] != "DEBUG" || got[3]["correlation_id"] != "own-id" {
		t.Errorf("a record's correlation_id should win: %v", got[3])
	}
}

func TestCorrelationIDFromWith(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := New(&buf, Options{Env: testEnv}).With("correlation_id", "with-id", "object", "a.fbx")
	log.InfoContext(WithCorrelationID(context.Background(), "ctx-id"), "x")
	log.WithGroup("g").Info("y", "k", 1)
	got := lines(t, &buf)
	if got[0]["correlation_id"] != "with-id" || got[0]["extra"].(map[string]any)["object"] != "a.fbx" {
		t.Errorf("line = %v", got[0])
	}
	if got[1]["extra"].(map[string]any)["g"].(map[string]any)["k"] != 1.0 {
		t.Errorf("group = %v", got[1])
	}
}

func TestTraceNeedsProject(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	ctx := WithTrace(context.Background(), Trace{ID: "4bf92f3577b34da6a3ce929d0e0e4736"})
	New(&buf, Options{Env: testEnv}).InfoContext(ctx, "x")
	if m := lines(t, &buf)[0]; m[TraceKey] != nil {
		t.Errorf("trace without a project: %v", m)
	}
}

func TestValuesAreValidJSON(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := New(&buf, Options{Env: testEnv})
	odd := "quote\" backslash\\ newline\n tab\t nul\x00 bad\xff utf8 é \u2028 <html>"
	log.Info(odd, "s", odd, "nan", math.NaN(), "inf", math.Inf(1), "big", uint64(math.MaxUint64),
		"t", time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), "m", map[string]int{"a": 1}, "ch", make(chan int), "b", true)
	got := lines(t, &buf)[0]
	if got["message"] != strings.ReplaceAll(odd, "\xff", "\ufffd") {
		t.Errorf("message = %q", got["message"])
	}
	x := got["extra"].(map[string]any)
	if x["nan"] != "NaN" || x["inf"] != "+Inf" || x["big"] != float64(math.MaxUint64) || x["t"] != "2026-01-02T03:04:05.000000006Z" ||
		x["m"].(map[string]any)["a"] != 1.0 || !strings.HasPrefix(x["ch"].(string), "!ERROR") || x["b"] != true {
		t.Errorf("extra = %v", x)
	}
}

func TestLevel(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := New(&buf, Options{Env: testEnv, Level: slog.LevelWarn})
	log.Info("dropped")
	log.Warn("kept")
	if got := lines(t, &buf); len(got) != 1 || got[0]["message"] != "kept" {
		t.Errorf("lines = %v", got)
	}
}

func TestText(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := New(&buf, Options{Format: "text", Name: "local", Env: testEnv})
	ctx := WithTrace(WithCorrelationID(context.Background(), "req-7"), Trace{ID: "4bf92f3577b34da6a3ce929d0e0e4736"})
	log.InfoContext(ctx, "seed written", "seed", "seed/r/a.fbx")
	log.InfoContext(ctx, "own", "correlation_id", "mine")
	out := buf.String()
	for _, want := range []string{"level=INFO", "logger=local", `msg="seed written"`, "seed=seed/r/a.fbx", "correlation_id=req-7",
		"trace=4bf92f3577b34da6a3ce929d0e0e4736", "source=", "correlation_id=mine"} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}
	if strings.Count(out, "correlation_id=") != 2 {
		t.Errorf("correlation id repeated:\n%s", out)
	}
}

func TestFromEnv(t *testing.T) {
	t.Parallel()
	cases := []struct {
		env     map[string]string
		format  string
		level   slog.Leveler
		wantErr string
	}{
		{env: map[string]string{}, format: ""},
		{env: map[string]string{"LOG_FORMAT": "TEXT", "LOG_LEVEL": "debug"}, format: "text", level: slog.LevelDebug},
		{env: map[string]string{"LOG_FORMAT": "xml"}, wantErr: "LOG_FORMAT"},
		{env: map[string]string{"LOG_LEVEL": "loud"}, wantErr: "LOG_LEVEL"},
	}
	for _, c := range cases {
		o, err := FromEnv(func(k string) string { return c.env[k] }, "worker")
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%v: err = %v, want one naming %s", c.env, err, c.wantErr)
			}
			continue
		}
		if err != nil || o.Format != c.format || o.Level != c.level || o.Name != "worker" {
			t.Errorf("%v: %+v, %v", c.env, o, err)
		}
	}
}

func BenchmarkJSON(b *testing.B) {
	log := New(io.Discard, Options{Name: "blend", Project: "p", Env: testEnv}).With("service", "blend")
	ctx := WithTrace(WithCorrelationID(context.Background(), "4bf92f3577b34da6a3ce929d0e0e4736"),
		Trace{ID: "4bf92f3577b34da6a3ce929d0e0e4736", SpanID: "1", Sampled: true})
	b.ReportAllocs()
	for b.Loop() {
		log.InfoContext(ctx, "blend written", "output", "blend/mixamorig-65-97646937/mix-0123456789ab.fbx",
			"generation", int64(1764028800123456), "method", "mix", "cached", false)
	}
}

// BenchmarkStdlibJSON is slog's own JSON handler with source, for comparison.
func BenchmarkStdlibJSON(b *testing.B) {
	log := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{AddSource: true})).With("service", "blend")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		log.InfoContext(ctx, "blend written", "output", "blend/mixamorig-65-97646937/mix-0123456789ab.fbx",
			"generation", int64(1764028800123456), "method", "mix", "cached", false)
	}
}
