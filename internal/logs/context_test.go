package logs

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestParseTrace(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		header map[string]string
		want   Trace
		ok     bool
	}{
		{"traceparent", map[string]string{"traceparent": "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"},
			Trace{ID: "4bf92f3577b34da6a3ce929d0e0e4736", SpanID: "00f067aa0ba902b7", Sampled: true}, true},
		{"traceparent not sampled", map[string]string{"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"},
			Trace{ID: "4bf92f3577b34da6a3ce929d0e0e4736", SpanID: "00f067aa0ba902b7"}, true},
		{"cloud trace", map[string]string{"X-Cloud-Trace-Context": "105445aa7843bc8bf206b12000100000/1;o=1"},
			Trace{ID: "105445aa7843bc8bf206b12000100000", SpanID: "1", Sampled: true}, true},
		{"cloud trace without span", map[string]string{"X-Cloud-Trace-Context": "105445aa7843bc8bf206b12000100000"},
			Trace{ID: "105445aa7843bc8bf206b12000100000"}, true},
		{"traceparent wins", map[string]string{"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
			"X-Cloud-Trace-Context": "105445aa7843bc8bf206b12000100000/1;o=1"},
			Trace{ID: "4bf92f3577b34da6a3ce929d0e0e4736", SpanID: "00f067aa0ba902b7", Sampled: true}, true},
		{"bad traceparent falls back", map[string]string{"traceparent": "00-xyz-00f067aa0ba902b7-01",
			"X-Cloud-Trace-Context": "105445aa7843bc8bf206b12000100000/1;o=0"},
			Trace{ID: "105445aa7843bc8bf206b12000100000", SpanID: "1"}, true},
		{"zero trace id", map[string]string{"traceparent": "00-00000000000000000000000000000000-00f067aa0ba902b7-01"}, Trace{}, false},
		{"version ff", map[string]string{"traceparent": "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}, Trace{}, false},
		{"injection", map[string]string{"X-Cloud-Trace-Context": `105445aa7843bc8bf206b1200010000"/1`}, Trace{}, false},
		{"bad span dropped", map[string]string{"X-Cloud-Trace-Context": "105445aa7843bc8bf206b12000100000/x\"y"},
			Trace{ID: "105445aa7843bc8bf206b12000100000"}, true},
		{"none", map[string]string{}, Trace{}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range c.header {
				h.Set(k, v)
			}
			got, ok := ParseTrace(h)
			if got != c.want || ok != c.ok {
				t.Errorf("ParseTrace = %+v, %v; want %+v, %v", got, ok, c.want, c.ok)
			}
		})
	}
}

func TestMiddleware(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		header map[string]string
		want   string // "" for a generated id
	}{
		{"correlation id", map[string]string{"X-Correlation-ID": "abc-123", "X-Request-ID": "req-9"}, "abc-123"},
		{"request id", map[string]string{"X-Request-ID": "req-9"}, "req-9"},
		{"generated", nil, ""},
		{"invalid is replaced", map[string]string{"X-Correlation-ID": `a"b c`}, ""},
		{"too long is replaced", map[string]string{"X-Correlation-ID": strings.Repeat("a", MaxIDLen+1)}, ""},
		{"invalid falls back to request id", map[string]string{"X-Correlation-ID": "a b", "X-Request-ID": "req-9"}, "req-9"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var seen string
			var trace Trace
			h := Middleware(Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				seen = CorrelationID(r.Context())
				trace, _ = TraceFrom(r.Context())
			})))
			r := httptest.NewRequest("GET", "/", nil)
			for k, v := range c.header {
				r.Header.Set(k, v)
			}
			r.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			echoed := w.Header().Get(HeaderCorrelationID)
			if seen != echoed || !ValidID(seen) {
				t.Fatalf("handler saw %q, response says %q", seen, echoed)
			}
			if c.want != "" && seen != c.want {
				t.Errorf("id = %q, want %q", seen, c.want)
			}
			if c.want == "" && len(seen) != 32 {
				t.Errorf("generated id %q, want 32 hex digits", seen)
			}
			if trace.ID != "4bf92f3577b34da6a3ce929d0e0e4736" {
				t.Errorf("trace = %+v", trace)
			}
		})
	}
}
