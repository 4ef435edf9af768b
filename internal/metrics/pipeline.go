package metrics

import (
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// Metrics is a pipeline.Observer.
var _ pipeline.Observer = (*Metrics)(nil)

// Validated counts the outcome in validation_results_total{result,reason}
// and, for a final outcome, the upload's size in upload_bytes_total. The
// reason is the rejection reason of a rejected upload and the error kind
// (unavailable, internal, ...) of a failed one.
func (m *Metrics) Validated(upload storage.Attrs, v pipeline.Validation, err error) {
	if err != nil {
		m.ValidationResults.WithLabelValues("error", pipeline.KindOf(err).String()).Inc()
		return
	}
	result := string(v.Status)
	switch v.Status {
	case pipeline.StatusExists:
		result = "duplicate"
	case pipeline.StatusSkipped:
		// A newer generation replaced the upload: its own event is counted.
		m.ValidationResults.WithLabelValues("skipped", "").Inc()
		return
	}
	m.ValidationResults.WithLabelValues(result, string(v.Reason)).Inc()
	m.UploadBytes.Add(float64(max(upload.Size, 0)))
}

// Synced counts the outcome in metadata_sync_total{result}.
func (m *Metrics) Synced(_ storage.Event, appended bool, err error) {
	result := "ignored"
	switch {
	case err != nil:
		result = "error"
	case appended:
		result = "appended"
	}
	m.MetadataSync.WithLabelValues(result).Inc()
}

// PoolStarted adds a batch's workers and queued blends.
func (m *Metrics) PoolStarted(workers, queued int) {
	m.poolMu.Lock()
	m.poolSize += workers
	m.poolMu.Unlock()
	m.QueueDepth.Add(float64(queued))
}

// BlendStarted moves a blend from the queue to a busy worker.
func (m *Metrics) BlendStarted() {
	m.QueueDepth.Dec()
	m.poolMu.Lock()
	m.poolBusy++
	m.poolMu.Unlock()
}

// BlendDone frees the worker.
func (m *Metrics) BlendDone() {
	m.poolMu.Lock()
	m.poolBusy--
	m.poolMu.Unlock()
}

// PoolStopped removes a finished batch's workers.
func (m *Metrics) PoolStopped(workers int) {
	m.poolMu.Lock()
	m.poolSize -= workers
	m.poolMu.Unlock()
}
