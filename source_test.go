//go:build corpus

package blendpipe

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	cloudstorage "cloud.google.com/go/storage"
	cloudevents "github.com/cloudevents/sdk-go/v2"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
	"github.com/fsouza/fake-gcs-server/fakestorage"
	"google.golang.org/api/option"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/eventarc"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/gcs"
	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/library"
	"github.com/rydlrcs/mixamo-blend-pipeline/shared/storage"
)

// generatedMain is the main Cloud Run's Go buildpack generates for a
// function with a go.mod (GoogleCloudPlatform/buildpacks,
// cmd/go/functions_framework/lib: createMainGoMod and the declarative
// template): package main in functions.local/app inside the module, which
// blank-imports the module's root package, so that its init() registers
// the functions, and calls funcframework.Start on PORT (8080 by default).
const generatedMain = `package main

import (
	"log"
	"os"

	_ "github.com/rydlrcs/mixamo-blend-pipeline"

	"github.com/GoogleCloudPlatform/functions-framework-go/funcframework"
)

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	if err := funcframework.Start(port); err != nil {
		log.Fatalf("Function failed to start: %v\n", err)
	}
}
`

// build builds pkg of the module into the test's directory. A source
// deploy's main is added with -overlay, at the path the buildpack writes
// it to, so that nothing is written into the tree.
func build(t *testing.T, name, pkg string) string {
	t.Helper()
	root, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	args := []string{"build", "-o", filepath.Join(dir, name)}
	if pkg == "functions.local/app" {
		main := filepath.Join(dir, "main.go")
		overlay := filepath.Join(dir, "overlay.json")
		ov, _ := json.Marshal(map[string]map[string]string{"Replace": {filepath.Join(root, pkg, "main.go"): main}})
		for file, data := range map[string][]byte{main: []byte(generatedMain), overlay: ov} {
			if err := os.WriteFile(file, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		args = append(args, "-overlay", overlay)
	}
	cmd := exec.Command("go", append(args, "./"+pkg)...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	bin := filepath.Join(dir, name)
	if st, err := os.Stat(bin); err == nil {
		t.Logf("%s: %.1f MB", pkg, float64(st.Size())/1e6)
	}
	return bin
}

// gcsServer is fake-gcs-server with the uploads and library buckets, the
// test's client of it, and a proxy in front of it that holds every request
// naming an object with "slow" in its name until release is closed.
type gcsServer struct {
	client  *cloudstorage.Client
	proxy   string // host:port of the proxy, the services' STORAGE_EMULATOR_HOST
	held    chan string
	release chan struct{}
	once    sync.Once
}

// releaseHeld lets the held requests, and all later ones, through.
func (g *gcsServer) releaseHeld() { g.once.Do(func() { close(g.release) }) }

func newGCS(t *testing.T) *gcsServer {
	t.Helper()
	port := pipelinetest.FreePort(t)
	srv, err := fakestorage.NewServerWithOptions(fakestorage.Options{
		Scheme: "http", Host: "127.0.0.1", Port: uint16(port), Writer: io.Discard,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	for _, b := range []string{"uploads", "library"} {
		srv.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: b})
	}
	client, err := cloudstorage.NewClient(context.Background(), option.WithEndpoint(srv.URL()+"/storage/v1/"),
		option.WithoutAuthentication(), cloudstorage.WithJSONReads())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	g := &gcsServer{client: client, held: make(chan string, 16), release: make(chan struct{})}
	t.Cleanup(g.releaseHeld)
	target, _ := url.Parse(srv.URL())
	rp := httputil.NewSingleHostReverseProxy(target)
	ln := newListener(t)
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "slow") {
			g.held <- r.Method + " " + r.URL.Path
			<-g.release
		}
		rp.ServeHTTP(w, r)
	}))
	g.proxy = ln.Addr().String()
	return g
}

func (g *gcsServer) store(bucket string) storage.Store {
	return gcs.New(g.client, bucket, gcs.Options{})
}

// service is one started process of a service binary.
type service struct {
	target string
	cmd    *exec.Cmd
	base   string
	stderr *syncBuffer
	done   chan error
}

// start runs bin as Cloud Run runs a function's container: FUNCTION_TARGET
// and PORT set, the configuration in the environment, Cloud Storage
// reached through STORAGE_EMULATOR_HOST, which the Cloud Storage client
// honours without credentials.
func start(t *testing.T, bin, target string, g *gcsServer, env ...string) *service {
	t.Helper()
	port := strconv.Itoa(pipelinetest.FreePort(t))
	s := &service{target: target, cmd: exec.Command(bin), base: "http://127.0.0.1:" + port, stderr: &syncBuffer{}, done: make(chan error, 1)}
	s.cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "TMPDIR=" + t.TempDir(),
		"FUNCTION_TARGET=" + target, "PORT=" + port, "STORAGE_EMULATOR_HOST=" + g.proxy,
		"UPLOADS_BUCKET=uploads", "GCS_BUCKET=library", "GOOGLE_CLOUD_PROJECT=test-project"}
	s.cmd.Env = append(s.cmd.Env, env...)
	s.cmd.Stdout, s.cmd.Stderr = s.stderr, s.stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.done <- s.cmd.Wait() }()
	t.Cleanup(func() {
		s.cmd.Process.Kill()
		<-s.done
		if t.Failed() {
			t.Logf("%s output:\n%s", target, s.stderr)
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		if resp, err := http.Get(s.base + "/live"); err == nil {
			resp.Body.Close()
			return s
		}
		select {
		case err := <-s.done:
			s.done <- err
			t.Fatalf("%s exited before serving: %v\n%s", target, err, s.stderr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not answering on %s", target, s.base)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// exit waits for the process to end and returns its exit status.
func (s *service) exit(t *testing.T, within time.Duration) int {
	t.Helper()
	select {
	case err := <-s.done:
		s.done <- err
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(within):
		t.Fatalf("still running %v later", within)
		return -1
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// send posts the event of a as Eventarc does, in binary content mode
// (ce-* headers) or structured (the whole event as
// application/cloudevents+json), and returns the HTTP status of the answer
// (https://github.com/cloudevents/spec/blob/main/cloudevents/bindings/http-protocol-binding.md).
func send(t *testing.T, url string, a storage.Attrs, structured bool) int {
	t.Helper()
	ev, err := eventarc.Encode(storage.Event{Type: storage.ObjectFinalized, Object: a}, "evt-"+strconv.FormatInt(time.Now().UnixNano(), 36))
	if err != nil {
		t.Fatal(err)
	}
	c, err := cloudevents.NewClientHTTP()
	if err != nil {
		t.Fatal(err)
	}
	ctx := cloudevents.ContextWithTarget(context.Background(), url)
	if structured {
		ctx = cloudevents.WithEncodingStructured(ctx)
	}
	var hr *cehttp.Result
	if res := c.Send(ctx, ev); !cloudevents.ResultAs(res, &hr) {
		t.Fatalf("send %s: %v", a.Name, res)
	}
	return hr.StatusCode
}

func names(t *testing.T, s storage.Store, prefix string) []string {
	t.Helper()
	var out []string
	for name := range pipelinetest.Names(t, s) {
		if strings.HasPrefix(name, prefix) {
			out = append(out, name)
		}
	}
	return out
}

// TestSourceDeploy starts the services the way `gcloud run deploy --source .
// --function TARGET` runs them: the buildpack's generated main over the
// package at the module root, FUNCTION_TARGET and PORT set, served by
// funcframework.Start. It sends them Eventarc's CloudEvents in both content
// modes over fake-gcs-server, checks the probes and /metrics on the same
// port, and stops validate with SIGTERM while an upload is in flight: the
// upload is filed, and the process exits 0. The image main of
// functions/validate/cmd serves the same registered function the same way.
func TestSourceDeploy(t *testing.T) {
	sourceBin := build(t, "source", "functions.local/app")
	imageBin := build(t, "validate", "functions/validate/cmd")

	for _, tt := range []struct{ name, bin string }{{"source deploy", sourceBin}, {"image", imageBin}} {
		t.Run(tt.name+"/validate", func(t *testing.T) {
			g := newGCS(t)
			uploads, lib := g.store("uploads"), g.store("library")
			svc := start(t, tt.bin, "Validate", g)
			for _, path := range []string{"/live", "/ready", "/health"} {
				if code, body := get(t, svc.base+path); code != http.StatusOK {
					t.Errorf("GET %s: HTTP %d %s", path, code, body)
				}
			}

			idle := pipelinetest.Put(t, uploads, "Idle.fbx", pipelinetest.Corpus(t, "mixamo/kirby-xbot60__Idle.fbx"))
			if code := send(t, svc.base+"/", idle, false); code != http.StatusNoContent {
				t.Errorf("binary event: HTTP %d", code)
			}
			bad := pipelinetest.Put(t, uploads, "notes.fbx", []byte("these are not the bytes of an FBX file"))
			if code := send(t, svc.base+"/", bad, true); code != http.StatusNoContent {
				t.Errorf("structured event: HTTP %d", code)
			}
			if seeds := names(t, lib, library.SeedPrefix); len(seeds) != 1 || !strings.HasSuffix(seeds[0], ".fbx") {
				t.Errorf("seeds %v, want the idle clip's", seeds)
			}
			if rej := names(t, lib, library.RejectedPrefix); len(rej) != 2 {
				t.Errorf("rejections %v, want notes.fbx and its reason", rej)
			}
			code, metrics := get(t, svc.base+"/metrics")
			for _, want := range []string{"upload_bytes_total", "gcs_api_duration_seconds"} {
				if code != http.StatusOK || !strings.Contains(metrics, want) {
					t.Errorf("GET /metrics: HTTP %d without %s", code, want)
				}
			}

			// SIGTERM with an upload in flight (its download held at
			// the storage proxy): new requests are refused, the upload
			// is filed, the answer is 2xx and the process exits 0.
			slow := pipelinetest.Put(t, uploads, "slow.fbx", pipelinetest.Corpus(t, "mixamo/kirby-xbot60__Walking_InPlace.fbx"))
			answered := make(chan int, 1)
			go func() { answered <- send(t, svc.base+"/", slow, false) }()
			held := <-g.held
			if err := svc.cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(5 * time.Second)
			for {
				code, _ := get(t, svc.base+"/live")
				if code == http.StatusServiceUnavailable {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("GET /live after SIGTERM: HTTP %d, want 503", code)
				}
				time.Sleep(20 * time.Millisecond)
			}
			g.releaseHeld()
			if code := <-answered; code != http.StatusNoContent {
				t.Errorf("event in flight at SIGTERM (held at %s): HTTP %d", held, code)
			}
			if code := svc.exit(t, 10*time.Second); code != 0 {
				t.Errorf("exit status %d after SIGTERM, want 0", code)
			}
			if seeds := names(t, lib, library.SeedPrefix); len(seeds) != 2 {
				t.Errorf("seeds %v, want the idle and the walking clips'", seeds)
			}
			if !strings.Contains(svc.stderr.String(), `"shutting down"`) {
				t.Errorf("no shutdown logged:\n%s", svc.stderr)
			}
		})
	}

	t.Run("source deploy/preview", func(t *testing.T) {
		g := newGCS(t)
		lib := g.store("library")
		// A seed as validate files it, filed here by the source deploy's
		// own validate.
		v := start(t, sourceBin, "Validate", g)
		up := pipelinetest.Put(t, g.store("uploads"), "Walking.fbx", pipelinetest.Corpus(t, "mixamo/kirby-xbot60__Walking_InPlace.fbx"))
		if code := send(t, v.base+"/", up, false); code != http.StatusNoContent {
			t.Fatalf("validate: HTTP %d", code)
		}
		seeds := names(t, lib, library.SeedPrefix)
		if len(seeds) != 1 {
			t.Fatalf("seeds %v", seeds)
		}
		seed, err := lib.Stat(context.Background(), seeds[0], nil)
		if err != nil {
			t.Fatal(err)
		}

		p := start(t, sourceBin, "Preview", g)
		if code, body := get(t, p.base+"/ready"); code != http.StatusOK {
			t.Errorf("GET /ready: HTTP %d %s", code, body)
		}
		for _, structured := range []bool{true, false} {
			if code := send(t, p.base+"/", seed, structured); code != http.StatusNoContent {
				t.Errorf("seed event (structured %v): HTTP %d", structured, code)
			}
		}
		var pngs []string
		for _, name := range names(t, lib, library.SeedPrefix) {
			if strings.HasSuffix(name, ".png") {
				pngs = append(pngs, name)
			}
		}
		if len(pngs) == 0 {
			t.Errorf("no pictures beside %s: %v", seed.Name, names(t, lib, ""))
		}
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if code := p.exit(t, 10*time.Second); code != 0 {
			t.Errorf("exit status %d after SIGTERM, want 0", code)
		}
	})

	// The framework itself picks the function: a target nobody registered
	// fails the start, in its words; an image main refuses another
	// service's target with status 2.
	t.Run("unknown target", func(t *testing.T) {
		for _, tt := range []struct {
			bin, target, want string
			status            int
		}{
			{sourceBin, "Nope", `no matching function found with name: "Nope"`, 1},
			{imageBin, "Sync", `FUNCTION_TARGET="Sync": this service serves "Validate"`, 2},
		} {
			cmd := exec.Command(tt.bin)
			cmd.Env = []string{"FUNCTION_TARGET=" + tt.target, "PORT=" + strconv.Itoa(pipelinetest.FreePort(t))}
			out, err := cmd.CombinedOutput()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != tt.status || !bytes.Contains(out, []byte(tt.want)) {
				t.Errorf("%s with FUNCTION_TARGET=%s: %v, %s; want status %d naming %q", filepath.Base(tt.bin), tt.target, err, out, tt.status, tt.want)
			}
		}
	})
}

// syncBuffer collects a process's output, written from its pipes'
// goroutines while a failing test may read it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newListener(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}
