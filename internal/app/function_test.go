package app

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/GoogleCloudPlatform/functions-framework-go/funcframework"
	"github.com/GoogleCloudPlatform/functions-framework-go/functions"
	cloudevents "github.com/cloudevents/sdk-go/v2"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/config"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/localdir"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/metrics"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/pipeline"
)

// setenv sets the variables of env and unsets the others of keys, for the
// test only.
func setenv(t *testing.T, env map[string]string, keys ...string) {
	t.Helper()
	for _, k := range keys {
		t.Setenv(k, env[k]) // restored after the test
		if _, ok := env[k]; !ok {
			os.Unsetenv(k)
		}
	}
}

var serviceVars = []string{"FUNCTION_TARGET", "GCS_BUCKET", "UPLOADS_BUCKET", "BQ_PROJECT", "LOG_LEVEL", "LOG_FORMAT",
	"PORT", "METRICS_PORT", "K_SERVICE", "KUBERNETES_SERVICE_HOST"}

// dirOpener opens the library on a directory of the test's.
func dirOpener(t *testing.T) Opener {
	return func(_ context.Context, cfg *config.Config, _ Needs, _ *slog.Logger) (Ports, error) {
		return Ports{Library: dirStore(t, cfg.LibraryBucket)}, nil
	}
}

// exitCodes records the codes a Function exits with.
func exitCodes() (func(int), <-chan int) {
	c := make(chan int, 4)
	return func(code int) { c <- code }, c
}

// TestFunctionStartErrors: what stops a function from starting is a start
// error naming the cause, answered to the request that started it and ending
// the process with status 2, as a failed start of a main always has.
func TestFunctionStartErrors(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"missing bucket", map[string]string{"GCS_BUCKET": "library"}, "UPLOADS_BUCKET"},
		{"bad level", map[string]string{"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"},
		{"unlinked adapter", map[string]string{"GCS_BUCKET": "library", "UPLOADS_BUCKET": "uploads"}, "links no Cloud Storage client"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setenv(t, tt.env, serviceVars...)
			exit, codes := exitCodes()
			f := &Function{Service: Service{Name: "validate", Target: "Validate", Needs: Needs{Uploads: true, Library: true},
				Open: Adapters{}.Open}, Exit: exit}
			rec := httptest.NewRecorder()
			f.ServeHTTP(rec, httptest.NewRequest("GET", "/ready", nil))
			if code := <-codes; code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), tt.want) {
				t.Errorf("HTTP %d %q, want 503 naming %q", rec.Code, rec.Body, tt.want)
			}
			if f.serving.Load() != nil {
				t.Error("a failed start left the function built")
			}
		})
	}
}

// TestServeFunction: a main serves its own function whether or not
// FUNCTION_TARGET names it, and refuses to serve another.
func TestServeFunction(t *testing.T) {
	tests := []struct {
		name       string
		env        map[string]string
		wantPort   string
		wantErr    string
		wantTarget string
	}{
		{"unset", map[string]string{}, "8080", "", "Validate"},
		{"same", map[string]string{"FUNCTION_TARGET": "Validate", "PORT": "9999"}, "9999", "", "Validate"},
		{"other", map[string]string{"FUNCTION_TARGET": "Sync"}, "", `FUNCTION_TARGET="Sync": this service serves "Validate"`, "Sync"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setenv(t, tt.env, "FUNCTION_TARGET", "PORT")
			var port string
			err := ServeFunction("Validate", func(p string) error { port = p; return nil })
			if tt.wantErr != "" {
				if ExitCode(err) != 2 || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("ServeFunction = %v (exit %d), want a start error naming %q", err, ExitCode(err), tt.wantErr)
				}
			} else if err != nil || port != tt.wantPort {
				t.Errorf("ServeFunction = %v, started on %q, want %q", err, port, tt.wantPort)
			}
			if got := os.Getenv("FUNCTION_TARGET"); got != tt.wantTarget {
				t.Errorf("FUNCTION_TARGET = %q, want %q", got, tt.wantTarget)
			}
		})
	}
}

// slowService answers "/" once release is closed, telling started when a
// request arrives.
func slowService(started chan<- struct{}, release <-chan struct{}) Handler {
	return func(*pipeline.Pipeline, *metrics.Metrics, *slog.Logger) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			started <- struct{}{}
			<-release
			io.WriteString(w, "done")
		})
	}
}

// TestFunctionDrainsOnSignal serves a function as the framework calls it,
// then signals it as Cloud Run's SIGTERM does (SIGUSR1 here, so that the
// test binary survives a mistake) while a request is in flight: the probes
// and /metrics answered before; after the signal new requests get 503, the
// one in flight completes, and the process exits 0. With a grace the
// request outlives, it exits 1.
func TestFunctionDrainsOnSignal(t *testing.T) {
	for _, tt := range []struct {
		name     string
		grace    time.Duration
		wantExit int
	}{
		{"drained", 5 * time.Second, 0},
		{"grace exceeded", 50 * time.Millisecond, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			setenv(t, map[string]string{"GCS_BUCKET": "library", "LOG_LEVEL": "ERROR"}, serviceVars...)
			started, release := make(chan struct{}, 1), make(chan struct{})
			exit, codes := exitCodes()
			f := &Function{Service: Service{Name: "preview", Target: "Preview", Needs: Needs{Library: true},
				Open: dirOpener(t), Fn: slowService(started, release)},
				Grace: tt.grace, Signals: []os.Signal{syscall.SIGUSR1}, Exit: exit}
			srv := httptest.NewServer(f)
			defer srv.Close()

			for _, path := range []string{"/live", "/ready", "/health", "/metrics"} {
				if code, _ := get(t, srv.URL+path); code != http.StatusOK {
					t.Errorf("GET %s: HTTP %d", path, code)
				}
			}
			answered := make(chan string, 1)
			go func() {
				resp, err := http.Get(srv.URL + "/")
				if err != nil {
					answered <- err.Error()
					return
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				answered <- strconv.Itoa(resp.StatusCode) + " " + string(b)
			}()
			<-started
			if err := syscall.Kill(os.Getpid(), syscall.SIGUSR1); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(5 * time.Second)
			for f.serving.Load().stopping.Load() == false {
				if time.Now().After(deadline) {
					t.Fatal("the signal did not stop the function")
				}
				time.Sleep(time.Millisecond)
			}
			if code, _ := get(t, srv.URL+"/live"); code != http.StatusServiceUnavailable {
				t.Errorf("GET /live after the signal: HTTP %d, want 503", code)
			}
			if tt.wantExit == 1 {
				if code := <-codes; code != 1 {
					t.Errorf("exit %d, want 1", code)
				}
				close(release)
				<-answered
				return
			}
			select {
			case code := <-codes:
				t.Fatalf("exited %d with a request in flight", code)
			case <-time.After(100 * time.Millisecond):
			}
			close(release)
			if got := <-answered; got != "200 done" {
				t.Errorf("in-flight request answered %q", got)
			}
			if code := <-codes; code != 0 {
				t.Errorf("exit %d, want 0", code)
			}
		})
	}
}

// TestCloudEventFunctionCannotServeProbes shows why each service registers
// an HTTP function: with FUNCTION_TARGET set, funcframework serves the
// target at every path ("If FUNCTION_TARGET is set, only serve this target
// function at path "/"", funcframework/framework.go), so a function
// registered with functions.CloudEvent answers the probes and the scrape of
// /metrics as malformed events, while the HTTP function of a Service
// answers them and the events alike.
func TestCloudEventFunctionCannotServeProbes(t *testing.T) {
	setenv(t, map[string]string{"GCS_BUCKET": "library", "LOG_LEVEL": "ERROR"}, serviceVars...)
	var ceEvents, httpEvents atomic.Int32
	functions.CloudEvent("ProbeCheckCloudEvent", func(context.Context, cloudevents.Event) error {
		ceEvents.Add(1)
		return nil
	})
	f := &Function{Service: Service{Name: "preview", Target: "ProbeCheckHTTP", Needs: Needs{Library: true},
		Open: dirOpener(t), Fn: func(*pipeline.Pipeline, *metrics.Metrics, *slog.Logger) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if _, err := cloudevents.NewEventFromHTTPRequest(r); err == nil {
					httpEvents.Add(1)
				}
				w.WriteHeader(http.StatusNoContent)
			})
		}},
		// Not SIGTERM: the function outlives the test, in the test binary.
		Signals: []os.Signal{syscall.SIGUSR2}}
	functions.HTTP("ProbeCheckHTTP", f.ServeHTTP)
	start := func(target string) string {
		t.Setenv("FUNCTION_TARGET", target)
		port := strconv.Itoa(pipelinetest.FreePort(t))
		// Never stopped: funcframework serves until the process ends.
		go funcframework.StartHostPort("127.0.0.1", port)
		pipelinetest.WaitListening(t, "127.0.0.1:"+port)
		return "http://127.0.0.1:" + port
	}
	ce, httpFn := start("ProbeCheckCloudEvent"), start("ProbeCheckHTTP")

	for _, path := range []string{"/live", "/ready", "/metrics"} {
		if code, _ := get(t, ce+path); code == http.StatusOK {
			t.Errorf("CloudEvent function: GET %s: HTTP 200, want the framework to refuse it as no event", path)
		}
		if code, _ := get(t, httpFn+path); code != http.StatusOK {
			t.Errorf("HTTP function: GET %s: HTTP %d", path, code)
		}
	}
	for _, base := range []string{ce, httpFn} {
		ev := cloudevents.NewEvent()
		ev.SetID("e-1")
		ev.SetType("google.cloud.storage.object.v1.finalized")
		ev.SetSource("//storage.googleapis.com/projects/_/buckets/library")
		c, err := cloudevents.NewClientHTTP()
		if err != nil {
			t.Fatal(err)
		}
		if res := c.Send(cloudevents.ContextWithTarget(t.Context(), base+"/"), ev); !cloudevents.IsACK(res) {
			t.Errorf("%s: event not acknowledged: %v", base, res)
		}
	}
	if ceEvents.Load() != 1 || httpEvents.Load() != 1 {
		t.Errorf("events received: CloudEvent function %d, HTTP function %d, want 1 each", ceEvents.Load(), httpEvents.Load())
	}
}

// BenchmarkFunction measures what a built function adds to each request:
// the in-flight count around App.Handler, against App.Handler alone.
func BenchmarkFunction(b *testing.B) {
	b.Setenv("GCS_BUCKET", "library")
	b.Setenv("LOG_LEVEL", "ERROR")
	lib := b.TempDir()
	f := NewFunction(Service{Name: "preview", Target: "Preview", Needs: Needs{Library: true},
		Open: func(_ context.Context, cfg *config.Config, _ Needs, _ *slog.Logger) (Ports, error) {
			s, err := localdir.Open(lib, localdir.Options{Bucket: cfg.LibraryBucket})
			return Ports{Library: s}, err
		},
		Fn: func(*pipeline.Pipeline, *metrics.Metrics, *slog.Logger) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
		}})
	f.Exit = func(code int) { b.Errorf("exit %d", code) }
	f.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/", nil))
	s := f.serving.Load()
	if s == nil {
		b.Fatal(errors.New("not built"))
	}
	for name, h := range map[string]http.Handler{"function": f, "handler": s.h} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				req := httptest.NewRequest("POST", "/", nil)
				for pb.Next() {
					h.ServeHTTP(httptest.NewRecorder(), req)
				}
			})
		})
	}
}
