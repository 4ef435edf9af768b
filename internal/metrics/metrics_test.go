package metrics

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"google.golang.org/api/googleapi"

	"github.com/rydlrcs/mixamo-blend-pipeline/shared/batch"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

func TestErrorCode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&storage.Error{Op: "get", Kind: storage.ErrTransient, Err: &googleapi.Error{Code: 503}}, "503"},
		{fmt.Errorf("wrapped: %w", &googleapi.Error{Code: 429}), "429"},
		{&storage.Error{Op: "stat", Kind: storage.ErrNotFound}, "not_found"},
		{&storage.Error{Op: "put", Kind: storage.ErrPreconditionFailed}, "precondition_failed"},
		{&storage.Error{Op: "put", Kind: storage.ErrInvalidName}, "invalid_name"},
		{storage.ErrUnsupported, "unsupported"},
		{context.Canceled, "canceled"},
		{context.DeadlineExceeded, "transient"},
		{errors.New("disk on fire"), "other"},
	} {
		if got := ErrorCode(tc.err); got != tc.want {
			t.Errorf("ErrorCode(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

func TestBlendAPILabels(t *testing.T) {
	t.Parallel()
	m := New()
	h := m.BlendAPI(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/blend":
			w.WriteHeader(http.StatusCreated)
		case "/blends":
			io.WriteString(w, "[]") // implicit 200
		default:
			http.NotFound(w, r)
		}
	}))
	for _, tc := range []struct{ method, path string }{
		{"POST", "/blend"}, {"GET", "/blends"}, {"get", "/blends"}, {"BREW", "/blend"}, {"GET", "/nope"},
	} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(tc.method, tc.path, nil))
	}
	for _, tc := range []struct {
		status, method string
		want           float64
	}{
		{"201", "POST", 1}, {"200", "GET", 2}, {"201", "other", 1}, {"404", "GET", 1},
	} {
		if got := testutil.ToFloat64(m.BlendRequests.WithLabelValues(tc.status, tc.method)); got != tc.want {
			t.Errorf("blend_requests_total{status=%s,method=%s} = %v, want %v", tc.status, tc.method, got, tc.want)
		}
	}
	// Only POST /blend is a blend.
	if n := testutil.CollectAndCount(m.BlendDuration); n != 1 {
		t.Fatalf("blend_duration_seconds: %d series", n)
	}
	if got := sampleCount(t, m); got != 1 {
		t.Errorf("blend_duration_seconds count = %d, want 1", got)
	}
}

func sampleCount(t *testing.T, m *Metrics) uint64 {
	t.Helper()
	fams, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() == "blend_duration_seconds" {
			return f.GetMetric()[0].GetHistogram().GetSampleCount()
		}
	}
	return 0
}

func TestValidatedAndSynced(t *testing.T) {
	t.Parallel()
	m := New()
	up := storage.Attrs{Name: "a.fbx", Size: 100}
	m.Validated(up, pipeline.Validation{Status: pipeline.StatusSeeded}, nil)
	m.Validated(up, pipeline.Validation{Status: pipeline.StatusExists}, nil)
	m.Validated(up, pipeline.Validation{Status: pipeline.StatusRejected, Reason: pipeline.ReasonNotHumanoid}, nil)
	m.Validated(up, pipeline.Validation{Status: pipeline.StatusSkipped}, nil)
	m.Validated(up, pipeline.Validation{}, &storage.Error{Op: "get", Kind: storage.ErrTransient})
	m.Synced(storage.Event{}, true, nil)
	m.Synced(storage.Event{}, false, nil)
	m.Synced(storage.Event{}, false, errors.New("bigquery down"))
	for _, tc := range []struct {
		result, reason string
		want           float64
	}{
		{"seeded", "", 1}, {"duplicate", "", 1}, {"rejected", "not_humanoid", 1}, {"skipped", "", 1}, {"error", "unavailable", 1},
	} {
		if got := testutil.ToFloat64(m.ValidationResults.WithLabelValues(tc.result, tc.reason)); got != tc.want {
			t.Errorf("validation_results_total{result=%s,reason=%s} = %v", tc.result, tc.reason, got)
		}
	}
	if got := testutil.ToFloat64(m.UploadBytes); got != 300 {
		t.Errorf("upload_bytes_total = %v, want 300 (seeded, duplicate, rejected)", got)
	}
	for _, r := range []string{"appended", "ignored", "error"} {
		if got := testutil.ToFloat64(m.MetadataSync.WithLabelValues(r)); got != 1 {
			t.Errorf("metadata_sync_total{result=%s} = %v", r, got)
		}
	}
}

// TestPoolGauges holds a batch's workers busy and reads the gauges.
func TestPoolGauges(t *testing.T) {
	t.Parallel()
	m := New()
	m.PoolStarted(0, 0) // a pool with no workers must not divide by zero
	m.PoolStopped(0)
	util := func() float64 { return testutil.ToFloat64(m.poolUtilization) }
	release := make(chan struct{})
	running := make(chan struct{}, 8)
	man := &batch.Manifest{}
	for i := range 6 {
		man.Blends = append(man.Blends, batch.Blend{Index: i, Name: fmt.Sprint("b", i)})
	}
	done := make(chan batch.Summary)
	go func() {
		done <- batch.RunWith(context.Background(), man, func(ctx context.Context, b batch.Blend) (batch.Outcome, error) {
			running <- struct{}{}
			<-release
			return batch.Outcome{}, nil
		}, batch.RunOptions{Workers: 2, Observer: m})
	}()
	<-running
	<-running
	if got := util(); got != 1 {
		t.Errorf("worker_pool_utilization with both workers busy = %v, want 1", got)
	}
	if got := testutil.ToFloat64(m.QueueDepth); got != 4 {
		t.Errorf("queue_depth = %v, want 4", got)
	}
	close(release)
	<-done
	if got, q := util(), testutil.ToFloat64(m.QueueDepth); got != 0 || q != 0 {
		t.Errorf("after the batch: utilization %v, queue %v", got, q)
	}
}
