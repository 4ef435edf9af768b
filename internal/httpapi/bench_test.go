package httpapi_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/httpapi"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
)

// BenchmarkPostBlend measures POST /blend on two 1 s clips (62 frames at
// 60 fps, 65 joints) on the local store: "new" makes a blend each time (a
// different ratio, so a different content address), "cached" answers a
// repeated request. p50-ms and p95-ms are per-request latencies.
func BenchmarkPostBlend(b *testing.B) {
	for _, mode := range []string{"new", "cached"} {
		b.Run(mode, func(b *testing.B) {
			env := pipelinetest.New(b, "localdir")
			walk, run := seedPair(b, env)
			h := (&httpapi.API{P: env.P, Log: pipelinetest.Logger(b)}).Handler()
			var lat []time.Duration
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				ratio := 0.5
				if mode == "new" {
					ratio = float64(i%100000+1) / 100001
				}
				body := fmt.Sprintf(`{"a": %q, "b": %q, "method": "mix", "ratio": %v, "format": "fbx"}`, walk, run, ratio)
				req := httptest.NewRequest("POST", "/blend", strings.NewReader(body))
				w := httptest.NewRecorder()
				t0 := time.Now()
				h.ServeHTTP(w, req)
				lat = append(lat, time.Since(t0))
				if w.Code != http.StatusCreated && w.Code != http.StatusOK {
					b.Fatalf("HTTP %d %s", w.Code, w.Body)
				}
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
		})
	}
}

func seedPair(b *testing.B, env *pipelinetest.Env) (string, string) {
	b.Helper()
	var names []string
	for name, file := range map[string]string{"Walking.fbx": "mixamo/kirby-xbot60__Walking_InPlace.fbx", "Running.fbx": "mixamo/kirby-xbot60__Running_InPlace.fbx"} {
		v, err := env.P.Validate(b.Context(), pipelinetest.Put(b, env.P.Uploads, name, pipelinetest.Corpus(b, file)), "")
		if err != nil {
			b.Fatal(err)
		}
		names = append(names, v.Object)
	}
	slices.Sort(names)
	return names[0], names[1]
}
