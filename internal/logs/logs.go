// Package logs is the log/slog handler of the services, the local pipeline
// and the batch worker. By default it writes one JSON object per line with
// the fields operators query and Cloud Logging reads:
//
//	timestamp, level, severity, logger, message, correlation_id,
//	logging.googleapis.com/trace (and spanId, trace_sampled),
//	logging.googleapis.com/sourceLocation{file,line,function},
//	environment{hostname,pod_name,node_name},
//	extra{...every other attribute of the record...}
//
// The lines are written by slog's own JSON handler: a ReplaceAttr renames
// its built-in fields to Cloud Logging's, and a thin wrapper adds what comes
// from the context and keeps the record's own attributes under extra.
//
// The correlation id and the trace travel in the context.Context (see
// WithCorrelationID, WithTrace and Middleware), so request and event paths
// log with the *Context methods of slog.Logger. With LOG_FORMAT=text the
// same records are written by slog's text handler, for reading locally.
package logs

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// CorrelationKey is the attribute key of the correlation id. A top-level
// attribute with this key (logger.With("correlation_id", id) or a record's
// own) is written as the correlation_id field and wins over the context's.
const CorrelationKey = "correlation_id"

// Cloud Logging's special fields.
const (
	TraceKey        = "logging.googleapis.com/trace"
	SpanKey         = "logging.googleapis.com/spanId"
	TraceSampledKey = "logging.googleapis.com/trace_sampled"
	// SourceKey is where Cloud Logging reads the LogEntry's sourceLocation
	// from a structured line.
	SourceKey = "logging.googleapis.com/sourceLocation"
)

// Options configure a handler.
type Options struct {
	// Format is "json" (the default) or "text".
	Format string
	// Level is the minimum level written; INFO when nil.
	Level slog.Leveler
	// Name is the logger field: the service or command writing.
	Name string
	// Project is the Google Cloud project traces belong to
	// (GOOGLE_CLOUD_PROJECT); without it no trace field is written, since
	// Cloud Logging only links projects/P/traces/T.
	Project string
	// Env is the environment field; Environment() when zero.
	Env Env
}

// Env says where the process runs.
type Env struct {
	Hostname string
	PodName  string // POD_NAME, set from the pod's metadata on Kubernetes
	NodeName string // NODE_NAME
}

// Environment is the environment of this process: the OS host name and
// POD_NAME and NODE_NAME.
func Environment() Env {
	h, _ := os.Hostname()
	return Env{Hostname: h, PodName: os.Getenv("POD_NAME"), NodeName: os.Getenv("NODE_NAME")}
}

// FromEnv returns the options set by LOG_FORMAT, LOG_LEVEL and
// GOOGLE_CLOUD_PROJECT for the logger called name. A bad LOG_FORMAT or
// LOG_LEVEL is an error naming the variable.
func FromEnv(getenv func(string) string, name string) (Options, error) {
	o := Options{Name: name, Project: getenv("GOOGLE_CLOUD_PROJECT")}
	switch f := strings.ToLower(strings.TrimSpace(getenv("LOG_FORMAT"))); f {
	case "", "json", "text":
		o.Format = f
	default:
		return o, fmt.Errorf("LOG_FORMAT: %q: want json or text", f)
	}
	if s := strings.TrimSpace(getenv("LOG_LEVEL")); s != "" {
		var l slog.Level
		if err := l.UnmarshalText([]byte(s)); err != nil {
			return o, fmt.Errorf("LOG_LEVEL: %q: want DEBUG, INFO, WARN or ERROR", s)
		}
		o.Level = l
	}
	return o, nil
}

// New returns a logger writing to w.
func New(w io.Writer, o Options) *slog.Logger { return slog.New(NewHandler(w, o)) }

// NewHandler returns the handler of o.Format writing to w.
func NewHandler(w io.Writer, o Options) slog.Handler {
	if o.Env == (Env{}) {
		o.Env = Environment()
	}
	if o.Level == nil {
		o.Level = slog.LevelInfo
	}
	if strings.EqualFold(o.Format, "text") {
		return newText(w, o)
	}
	return newJSON(w, o)
}

// Severity is Cloud Logging's name of level l.
func Severity(l slog.Level) string {
	switch {
	case l < slog.LevelInfo:
		return "DEBUG"
	case l < slog.LevelWarn:
		return "INFO"
	case l < slog.LevelError:
		return "WARNING"
	}
	return "ERROR"
}

// cloudHandler writes the JSON lines through slog.JSONHandler. The
// attributes given to WithAttrs are kept, by group, and written under extra
// with the record's own, since the context's fields (correlation id, trace)
// must stay at the top of the line, outside any group.
type cloudHandler struct {
	inner   slog.Handler
	project string
	groups  []string
	attrs   [][]slog.Attr // attrs[0] at the top of extra, attrs[i] in groups[i-1]
	corr    string        // the correlation id given to WithAttrs
}

func newJSON(w io.Writer, o Options) *cloudHandler {
	var top []slog.Attr
	if o.Name != "" {
		top = append(top, slog.String("logger", o.Name))
	}
	top = append(top, slog.Group("environment", omitEmpty("hostname", o.Env.Hostname),
		omitEmpty("pod_name", o.Env.PodName), omitEmpty("node_name", o.Env.NodeName)))
	inner := slog.NewJSONHandler(w, &slog.HandlerOptions{Level: o.Level, AddSource: true, ReplaceAttr: cloudAttr})
	return &cloudHandler{inner: inner.WithAttrs(top), project: o.Project, attrs: make([][]slog.Attr, 1)}
}

// omitEmpty is an attribute slog drops when v is empty (an empty group).
func omitEmpty(k, v string) slog.Attr {
	if v == "" {
		return slog.Attr{}
	}
	return slog.String(k, v)
}

// cloudAttr names the built-in fields as Cloud Logging reads them
// (cloud.google.com/logging/docs/structured-logging: timestamp, message,
// logging.googleapis.com/sourceLocation), and writes durations, and the
// floats JSON cannot hold, as strings.
func cloudAttr(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 {
		switch a.Key {
		case slog.TimeKey:
			return slog.String("timestamp", a.Value.Time().UTC().Format(time.RFC3339Nano))
		case slog.MessageKey:
			a.Key = "message"
			return a
		case slog.SourceKey:
			src, ok := a.Value.Any().(*slog.Source)
			if !ok || src.File == "" {
				return slog.Attr{}
			}
			// LogEntrySourceLocation.line is an int64, a string in JSON.
			return slog.Group(SourceKey, "file", src.File, "line", strconv.Itoa(src.Line), "function", src.Function)
		}
	}
	switch a.Value.Kind() {
	case slog.KindFloat64:
		if f := a.Value.Float64(); math.IsNaN(f) || math.IsInf(f, 0) {
			return slog.String(a.Key, strconv.FormatFloat(f, 'g', -1, 64))
		}
	case slog.KindDuration:
		// "2s" reads better in a log than nanoseconds.
		return slog.String(a.Key, a.Value.Duration().String())
	}
	return a
}

func (h *cloudHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.inner.Enabled(ctx, l)
}

func (h *cloudHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	c := *h
	c.groups = append(h.groups[:len(h.groups):len(h.groups)], name)
	c.attrs = append(h.attrs[:len(h.attrs):len(h.attrs)], nil)
	return &c
}

func (h *cloudHandler) WithAttrs(as []slog.Attr) slog.Handler {
	if len(as) == 0 {
		return h
	}
	c := *h
	c.attrs = slices.Clone(h.attrs)
	last := len(c.attrs) - 1
	cur := slices.Clip(c.attrs[last])
	for _, a := range as {
		if last == 0 && a.Key == CorrelationKey {
			c.corr = a.Value.Resolve().String()
			continue
		}
		cur = append(cur, a)
	}
	c.attrs[last] = cur
	return &c
}

func (h *cloudHandler) Handle(ctx context.Context, r slog.Record) error {
	corr := h.corr
	inner := slices.Clip(h.attrs[len(h.attrs)-1])
	top := len(h.groups) == 0
	r.Attrs(func(a slog.Attr) bool {
		if top && a.Key == CorrelationKey {
			corr = a.Value.Resolve().String()
		} else {
			inner = append(inner, a)
		}
		return true
	})
	// Close the open groups around the record's attributes, innermost first.
	for i := len(h.groups) - 1; i >= 0; i-- {
		inner = append(slices.Clip(h.attrs[i]), slog.Attr{Key: h.groups[i], Value: slog.GroupValue(inner...)})
	}
	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	out.AddAttrs(slog.String("severity", Severity(r.Level)))
	if corr == "" {
		corr = CorrelationID(ctx)
	}
	if corr != "" {
		out.AddAttrs(slog.String(CorrelationKey, corr))
	}
	if t, ok := TraceFrom(ctx); ok && h.project != "" {
		out.AddAttrs(slog.String(TraceKey, "projects/"+h.project+"/traces/"+t.ID))
		if t.SpanID != "" {
			out.AddAttrs(slog.String(SpanKey, t.SpanID))
		}
		out.AddAttrs(slog.Bool(TraceSampledKey, t.Sampled))
	}
	out.AddAttrs(slog.Attr{Key: "extra", Value: slog.GroupValue(inner...)})
	return h.inner.Handle(ctx, out)
}

// textHandler is slog's text handler with the logger, correlation id and
// trace added to each record.
type textHandler struct {
	inner   slog.Handler
	project string
	top     bool // no group is open: a correlation_id attribute is the record's
	corr    bool // the correlation id was set with WithAttrs
}

func newText(w io.Writer, o Options) slog.Handler {
	var h slog.Handler = slog.NewTextHandler(w, &slog.HandlerOptions{Level: o.Level, AddSource: true})
	if o.Name != "" {
		h = h.WithAttrs([]slog.Attr{slog.String("logger", o.Name)})
	}
	return &textHandler{inner: h, project: o.Project, top: true}
}

func (h *textHandler) Enabled(ctx context.Context, l slog.Level) bool { return h.inner.Enabled(ctx, l) }

func (h *textHandler) WithAttrs(as []slog.Attr) slog.Handler {
	c := *h
	for _, a := range as {
		if h.top && a.Key == CorrelationKey {
			c.corr = true
		}
	}
	c.inner = h.inner.WithAttrs(as)
	return &c
}

func (h *textHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	c := *h
	c.top = false
	c.inner = h.inner.WithGroup(name)
	return &c
}

func (h *textHandler) Handle(ctx context.Context, r slog.Record) error {
	has := h.corr
	r.Attrs(func(a slog.Attr) bool {
		has = has || (h.top && a.Key == CorrelationKey)
		return !has
	})
	var add []slog.Attr
	if id := CorrelationID(ctx); id != "" && !has {
		add = append(add, slog.String(CorrelationKey, id))
	}
	if t, ok := TraceFrom(ctx); ok {
		add = append(add, slog.String("trace", t.ID))
	}
	if len(add) > 0 {
		r = r.Clone()
		r.AddAttrs(add...)
	}
	return h.inner.Handle(ctx, r)
}
