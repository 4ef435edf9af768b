package local

import (
	"io"
	"net/http"
	"slices"
	"testing"
	"time"
)

// Probes answer within 50 ms, the first call (which checks the storage
// and the catalogue) and the cached ones after it.
func TestProbesAnswerFast(t *testing.T) {
	if testing.Short() {
		t.Skip("timing")
	}
	srv := start(t, options(t, t.TempDir()))
	const limit = 50 * time.Millisecond
	for _, path := range []string{"/health", "/ready", "/live"} {
		var took []time.Duration
		for range 100 {
			begin := time.Now()
			res, err := http.Get("http://" + srv.Addr() + path)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			took = append(took, time.Since(begin))
			if res.StatusCode != http.StatusOK {
				t.Fatalf("%s: HTTP %d", path, res.StatusCode)
			}
		}
		first := took[0]
		slices.Sort(took)
		p50, p99 := took[len(took)/2], took[len(took)*99/100]
		t.Logf("%s: first %v, p50 %v, p99 %v", path, first, p50, p99)
		if first > limit || p99 > limit {
			t.Errorf("%s: first %v, p99 %v; want both under %v", path, first, p99, limit)
		}
	}
}
