// Package logs is the log/slog handler of the services, the local pipeline
// and the batch worker. By default it writes one JSON object per line with
// the fields operators query and Cloud Logging reads:
//
//	timestamp, level, severity, logger, message, correlation_id,
//	logging.googleapis.com/trace (and spanId, trace_sampled),
//	source{file,line,function}, environment{hostname,pod_name,node_name},
//	extra{...every other attribute of the record...}
//
// The correlation id and the trace travel in the context.Context (see
// WithCorrelationID, WithTrace and Middleware), so request and event paths
// log with the *Context methods of slog.Logger. With LOG_FORMAT=text the
// same records are written by slog's text handler, for reading locally.
package logs

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
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

// jsonHandler writes the JSON lines. Attributes added with WithAttrs are
// encoded once, into pre; groups are opened in pre only once an attribute
// lands in them, so empty groups are not written.
type jsonHandler struct {
	out     *output
	level   slog.Leveler
	project string
	name    []byte // ,"logger":"..."
	env     []byte // ,"environment":{...}
	pre     []byte // the inside of extra so far, groups left open
	opened  int    // groups opened in pre
	pending []string
	corr    string // correlation id from WithAttrs
}

type output struct {
	mu sync.Mutex
	w  io.Writer
}

func newJSON(w io.Writer, o Options) *jsonHandler {
	var name []byte
	if o.Name != "" {
		name = append(name, `,"logger":`...)
		name = appendString(name, o.Name)
	}
	env := []byte(`,"environment":{`)
	for _, kv := range [][2]string{{"hostname", o.Env.Hostname}, {"pod_name", o.Env.PodName}, {"node_name", o.Env.NodeName}} {
		if kv[1] == "" {
			continue
		}
		if env[len(env)-1] != '{' {
			env = append(env, ',')
		}
		env = appendString(env, kv[0])
		env = append(env, ':')
		env = appendString(env, kv[1])
	}
	if env[len(env)-1] == '{' {
		env = nil
	} else {
		env = append(env, '}')
	}
	return &jsonHandler{out: &output{w: w}, level: o.Level, project: o.Project, name: name, env: env}
}

func (h *jsonHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level.Level() }

func (h *jsonHandler) clone() *jsonHandler {
	c := *h
	c.pre = h.pre[:len(h.pre):len(h.pre)]
	c.pending = h.pending[:len(h.pending):len(h.pending)]
	return &c
}

func (h *jsonHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	c := h.clone()
	c.pending = append(c.pending, name)
	return c
}

func (h *jsonHandler) WithAttrs(as []slog.Attr) slog.Handler {
	if len(as) == 0 {
		return h
	}
	c := h.clone()
	top := len(c.pending) == 0 && c.opened == 0
	var body []byte
	for _, a := range as {
		if top && a.Key == CorrelationKey {
			c.corr = a.Value.Resolve().String()
			continue
		}
		body = appendAttr(body, a)
	}
	if len(body) == 0 {
		return c
	}
	for _, g := range c.pending {
		c.pre = openGroup(c.pre, g)
		c.opened++
	}
	c.pending = nil
	c.pre = appendRaw(c.pre, body)
	return c
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// maxPooled keeps the buffers of rare huge lines from staying in the pool.
const maxPooled = 64 << 10

func (h *jsonHandler) Handle(ctx context.Context, r slog.Record) error {
	bp := bufPool.Get().(*[]byte)
	b := (*bp)[:0]
	defer func() {
		if cap(b) <= maxPooled {
			*bp = b
			bufPool.Put(bp)
		}
	}()

	// The record's own attributes first, to find a correlation id among them.
	var attrs []byte
	corr := h.corr
	top := len(h.pending) == 0 && h.opened == 0
	if r.NumAttrs() > 0 {
		ab := bufPool.Get().(*[]byte)
		attrs = (*ab)[:0]
		r.Attrs(func(a slog.Attr) bool {
			if top && a.Key == CorrelationKey {
				corr = a.Value.Resolve().String()
				return true
			}
			attrs = appendAttr(attrs, a)
			return true
		})
		defer func() {
			if cap(attrs) <= maxPooled {
				*ab = attrs[:0]
				bufPool.Put(ab)
			}
		}()
	}
	if corr == "" {
		corr = CorrelationID(ctx)
	}

	b = append(b, '{')
	if !r.Time.IsZero() {
		b = append(b, `"timestamp":"`...)
		b = r.Time.UTC().AppendFormat(b, time.RFC3339Nano)
		b = append(b, `",`...)
	}
	b = append(b, `"level":`...)
	b = appendString(b, r.Level.String())
	b = append(b, `,"severity":"`...)
	b = append(b, Severity(r.Level)...)
	b = append(b, '"')
	b = append(b, h.name...)
	b = append(b, `,"message":`...)
	b = appendString(b, r.Message)
	if corr != "" {
		b = append(b, `,"correlation_id":`...)
		b = appendString(b, corr)
	}
	if t, ok := TraceFrom(ctx); ok && h.project != "" {
		b = append(b, `,"`+TraceKey+`":"projects/`...)
		b = appendEscaped(b, h.project)
		b = append(b, "/traces/"...)
		b = appendEscaped(b, t.ID)
		b = append(b, '"')
		if t.SpanID != "" {
			b = append(b, `,"`+SpanKey+`":`...)
			b = appendString(b, t.SpanID)
		}
		b = append(b, `,"`+TraceSampledKey+`":`...)
		b = strconv.AppendBool(b, t.Sampled)
	}
	// r.PC is a return address: the call is the instruction before it.
	// FuncForPC, unlike CallersFrames, allocates nothing.
	if fn := sourceFunc(r.PC); fn != nil {
		file, line := fn.FileLine(r.PC - 1)
		b = append(b, `,"source":{"file":`...)
		b = appendString(b, file)
		b = append(b, `,"line":`...)
		b = strconv.AppendInt(b, int64(line), 10)
		b = append(b, `,"function":`...)
		b = appendString(b, fn.Name())
		b = append(b, '}')
	}
	b = append(b, h.env...)
	if len(h.pre) > 0 || len(attrs) > 0 {
		b = append(b, `,"extra":{`...)
		b = append(b, h.pre...)
		if len(attrs) > 0 {
			for _, g := range h.pending {
				b = openGroup(b, g)
			}
			b = appendRaw(b, attrs)
			for range h.pending {
				b = append(b, '}')
			}
		}
		for range h.opened {
			b = append(b, '}')
		}
		b = append(b, '}')
	}
	b = append(b, '}', '\n')

	h.out.mu.Lock()
	defer h.out.mu.Unlock()
	_, err := h.out.w.Write(b)
	return err
}

func sourceFunc(pc uintptr) *runtime.Func {
	if pc == 0 {
		return nil
	}
	return runtime.FuncForPC(pc - 1)
}

// appendRaw appends encoded members to an object's inside, with the comma
// that separates them from what is there.
func appendRaw(b, members []byte) []byte {
	if len(b) > 0 && b[len(b)-1] != '{' {
		b = append(b, ',')
	}
	return append(b, members...)
}

func openGroup(b []byte, name string) []byte {
	if len(b) > 0 && b[len(b)-1] != '{' {
		b = append(b, ',')
	}
	b = appendString(b, name)
	return append(b, ':', '{')
}

// appendAttr appends a as an object member ("key":value), after a comma
// when b already holds members. Empty attributes and empty groups are
// skipped; a group without a key is inlined.
func appendAttr(b []byte, a slog.Attr) []byte {
	a.Value = a.Value.Resolve()
	if a.Equal(slog.Attr{}) {
		return b
	}
	if a.Value.Kind() == slog.KindGroup {
		as := a.Value.Group()
		if len(as) == 0 {
			return b
		}
		if a.Key == "" {
			for _, ga := range as {
				b = appendAttr(b, ga)
			}
			return b
		}
		var inner []byte
		for _, ga := range as {
			inner = appendAttr(inner, ga)
		}
		if len(inner) == 0 {
			return b
		}
		b = openGroup(b, a.Key)
		b = append(b, inner...)
		return append(b, '}')
	}
	if len(b) > 0 && b[len(b)-1] != '{' {
		b = append(b, ',')
	}
	b = appendString(b, a.Key)
	b = append(b, ':')
	return appendValue(b, a.Value)
}

func appendValue(b []byte, v slog.Value) []byte {
	switch v.Kind() {
	case slog.KindString:
		return appendString(b, v.String())
	case slog.KindInt64:
		return strconv.AppendInt(b, v.Int64(), 10)
	case slog.KindUint64:
		return strconv.AppendUint(b, v.Uint64(), 10)
	case slog.KindFloat64:
		f := v.Float64()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			// JSON has no such numbers.
			return appendString(b, strconv.FormatFloat(f, 'g', -1, 64))
		}
		return strconv.AppendFloat(b, f, 'g', -1, 64)
	case slog.KindBool:
		return strconv.AppendBool(b, v.Bool())
	case slog.KindDuration:
		return appendString(b, v.Duration().String())
	case slog.KindTime:
		b = append(b, '"')
		b = v.Time().AppendFormat(b, time.RFC3339Nano)
		return append(b, '"')
	}
	a := v.Any()
	if err, ok := a.(error); ok {
		if _, marshals := a.(json.Marshaler); !marshals {
			return appendString(b, err.Error())
		}
	}
	data, err := json.Marshal(a)
	if err != nil {
		return appendString(b, fmt.Sprintf("!ERROR: %v", err))
	}
	return append(b, data...)
}

const hexDigits = "0123456789abcdef"

func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	b = appendEscaped(b, s)
	return append(b, '"')
}

// appendEscaped escapes s for a JSON string as encoding/json does, HTML
// characters excepted: invalid UTF-8 becomes U+FFFD.
func appendEscaped(b []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		// U+2028 and U+2029 end lines in JavaScript.
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(b, s[start:]...)
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
