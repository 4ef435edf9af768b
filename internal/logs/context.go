package logs

import (
	"context"
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/correlation"
)

type ctxKey int

const traceKey ctxKey = iota

// Correlation id headers, in the order they are read.
const (
	HeaderCorrelationID = "X-Correlation-ID"
	HeaderRequestID     = "X-Request-ID"
)

// MaxIDLen bounds a correlation id taken from a request or an event.
const MaxIDLen = correlation.MaxLen

// WithCorrelationID returns ctx carrying id, which every line logged with
// ctx then carries.
func WithCorrelationID(ctx context.Context, id string) context.Context {
	return correlation.With(ctx, id)
}

// CorrelationID is the correlation id ctx carries, or "".
func CorrelationID(ctx context.Context) string { return correlation.ID(ctx) }

// ValidID reports whether id can serve as a correlation id (correlation.Valid).
func ValidID(id string) bool { return correlation.Valid(id) }

// NewID returns a random correlation id of 32 hex digits.
func NewID() string { return correlation.New() }

// RequestID is the correlation id of r: its X-Correlation-ID, else its
// X-Request-ID, else a new one. An invalid header value is not used.
func RequestID(r *http.Request) string {
	for _, h := range []string{HeaderCorrelationID, HeaderRequestID} {
		if id := r.Header.Get(h); ValidID(id) {
			return id
		}
	}
	return NewID()
}

// Trace is the Cloud Trace context of a request.
type Trace struct {
	ID      string // 32 hex digits
	SpanID  string // as sent: decimal in X-Cloud-Trace-Context, hex in traceparent
	Sampled bool
}

// WithTrace returns ctx carrying t.
func WithTrace(ctx context.Context, t Trace) context.Context {
	return context.WithValue(ctx, traceKey, t)
}

// TraceFrom is the trace ctx carries.
func TraceFrom(ctx context.Context) (Trace, bool) {
	if ctx == nil {
		return Trace{}, false
	}
	t, ok := ctx.Value(traceKey).(Trace)
	return t, ok
}

// ParseTrace reads the trace of a request from traceparent (W3C Trace
// Context) or, failing that, X-Cloud-Trace-Context
// (TRACE_ID/SPAN_ID;o=OPTIONS). Malformed values are ignored.
func ParseTrace(h http.Header) (Trace, bool) {
	if t, ok := ParseTraceparent(h.Get("traceparent")); ok {
		return t, true
	}
	return parseCloudTrace(h.Get("X-Cloud-Trace-Context"))
}

// ParseTraceparent reads a W3C traceparent value:
// VERSION-TRACEID-PARENTID-FLAGS.
func ParseTraceparent(v string) (Trace, bool) {
	parts := strings.Split(v, "-")
	if len(parts) < 4 || len(parts[0]) != 2 || parts[0] == "ff" || !hexOf(parts[1], 32) || !hexOf(parts[2], 16) || !hexOf(parts[3], 2) {
		return Trace{}, false
	}
	if allZero(parts[1]) || allZero(parts[2]) {
		return Trace{}, false
	}
	flags, _ := hex.DecodeString(parts[3])
	return Trace{ID: strings.ToLower(parts[1]), SpanID: strings.ToLower(parts[2]), Sampled: flags[0]&1 == 1}, true
}

func parseCloudTrace(v string) (Trace, bool) {
	id, rest, _ := strings.Cut(v, "/")
	if !hexOf(id, 32) || allZero(id) {
		return Trace{}, false
	}
	t := Trace{ID: strings.ToLower(id)}
	span, opts, _ := strings.Cut(rest, ";")
	if span != "" && len(span) <= 20 && strings.Trim(span, "0123456789") == "" {
		t.SpanID = span
	}
	t.Sampled = opts == "o=1"
	return t, true
}

func hexOf(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

func allZero(s string) bool { return strings.Trim(s, "0") == "" }

// Middleware puts the request's correlation id (see RequestID) and trace
// into its context and echoes the id in the X-Correlation-ID response
// header. A context that already has an id keeps it, so wrapping twice is
// harmless.
func Middleware(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		id := CorrelationID(ctx)
		if id == "" {
			id = RequestID(r)
			ctx = WithCorrelationID(ctx, id)
		}
		if _, ok := TraceFrom(ctx); !ok {
			if t, ok := ParseTrace(r.Header); ok {
				ctx = WithTrace(ctx, t)
			}
		}
		w.Header().Set(HeaderCorrelationID, id)
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}
