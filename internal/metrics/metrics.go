// Package metrics holds the Prometheus collectors of the pipeline, under the
// names the deployment guide's dashboards and alerts query, and the
// decorators that feed them from the ports (object store, catalog), the blend
// HTTP API, the use cases' outcomes and the batch worker pool.
//
// Every collector lives on the Metrics value's own registry, never on the
// client library's default one, so two servers in one process (as in tests)
// count apart.
package metrics

import (
	"math"
	"net/http"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is the set of collectors of one process.
type Metrics struct {
	Registry *prometheus.Registry

	BlendRequests     *prometheus.CounterVec   // blend_requests_total{status,method}
	BlendDuration     prometheus.Histogram     // blend_duration_seconds
	UploadBytes       prometheus.Counter       // upload_bytes_total
	GCSErrors         *prometheus.CounterVec   // gcs_api_errors_total{op,code}
	GCSDuration       *prometheus.HistogramVec // gcs_api_duration_seconds{op}
	QueueDepth        prometheus.Gauge         // queue_depth
	BQErrors          *prometheus.CounterVec   // bq_api_errors_total{op}
	ValidationResults *prometheus.CounterVec   // validation_results_total{result,reason}
	MetadataSync      *prometheus.CounterVec   // metadata_sync_total{result}
	BreakerState      *prometheus.GaugeVec     // circuit_breaker_state{dependency}

	// The pool's utilization is busy workers over started workers across
	// every batch running in the process, so concurrent batches do not
	// overwrite each other's gauge.
	poolUtilization prometheus.GaugeFunc // worker_pool_utilization
	poolMu          sync.Mutex
	poolBusy        int
	poolSize        int
}

// durationBuckets span 1 ms to about 10 s, the range of a blend request or a
// storage call: a cached blend answers in a millisecond, a large one takes
// seconds.
var durationBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// New creates the collectors and registers them, with the Go runtime and
// process collectors, on a new registry.
func New() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		BlendRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "blend_requests_total", Help: "Requests to the blend HTTP API by response status and HTTP method.",
		}, []string{"status", "method"}),
		BlendDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "blend_duration_seconds", Help: "Time to answer POST /blend, cached answers included.",
			Buckets: durationBuckets,
		}),
		UploadBytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "upload_bytes_total", Help: "Bytes of uploads that reached a final validation outcome.",
		}),
		GCSErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gcs_api_errors_total",
			Help: "Failed object store calls by operation and code (HTTP status for Cloud Storage API errors, else the storage error kind).",
		}, []string{"op", "code"}),
		GCSDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "gcs_api_duration_seconds", Help: "Object store call duration by operation.", Buckets: durationBuckets,
		}, []string{"op"}),
		QueueDepth: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "queue_depth", Help: "Batch blends waiting for a worker.",
		}),
		BQErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bq_api_errors_total", Help: "Failed catalog (BigQuery) calls by operation.",
		}, []string{"op"}),
		ValidationResults: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "validation_results_total",
			Help: "Validated uploads by result (seeded, duplicate, rejected, skipped, error) and reason (rejection reason or error kind).",
		}, []string{"result", "reason"}),
		MetadataSync: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "metadata_sync_total", Help: "Metadata sync events by result (appended, ignored, error).",
		}, []string{"result"}),
		BreakerState: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "circuit_breaker_state", Help: "Circuit breaker state by dependency: 0 closed, 1 half-open, 2 open.",
		}, []string{"dependency"}),
	}
	m.poolUtilization = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "worker_pool_utilization", Help: "Busy batch workers over started batch workers (0 when no batch runs).",
	}, m.utilization)
	m.Registry.MustRegister(
		m.BlendRequests, m.BlendDuration, m.UploadBytes, m.GCSErrors, m.GCSDuration,
		m.QueueDepth, m.BQErrors, m.ValidationResults, m.MetadataSync, m.BreakerState, m.poolUtilization,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// Handler serves the registry in the Prometheus exposition formats.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

// SetBreakerState records a breaker's state (0 closed, 1 half-open, 2 open);
// breakers call it on every change of state.
func (m *Metrics) SetBreakerState(dependency string, state float64) {
	m.BreakerState.WithLabelValues(dependency).Set(state)
}

func (m *Metrics) utilization() float64 {
	m.poolMu.Lock()
	defer m.poolMu.Unlock()
	if m.poolSize == 0 {
		return 0
	}
	return math.Min(1, float64(m.poolBusy)/float64(m.poolSize))
}
