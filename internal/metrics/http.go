package metrics

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// BlendAPI counts every request to the blend HTTP API in
// blend_requests_total{status,method} and times POST /blend in
// blend_duration_seconds. Catalog reads (GET /blends) are counted but not
// timed: they would pull the blend latency the dashboards watch towards
// zero.
func (m *Metrics) BlendAPI(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		begin := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		h.ServeHTTP(sw, r)
		method := canonicalMethod(r.Method)
		m.BlendRequests.WithLabelValues(strconv.Itoa(sw.code()), method).Inc()
		if method == http.MethodPost && r.URL.Path == "/blend" {
			m.BlendDuration.Observe(time.Since(begin).Seconds())
		}
	})
}

// canonicalMethod bounds the method label: a client may send any token.
func canonicalMethod(m string) string {
	m = strings.ToUpper(m)
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "other"
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) code() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}
