// Package bqemu runs github.com/goccy/bigquery-emulator, built apart from
// this module by scripts/setup.sh, as a process for tests.
package bqemu

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// Bin finds the emulator: BQ_EMULATOR_BIN, else GOBIN or GOPATH/bin; "" when
// it is not there.
func Bin() string {
	if p := os.Getenv("BQ_EMULATOR_BIN"); p != "" {
		return p
	}
	var dirs []string
	if out, err := exec.Command("go", "env", "-json", "GOBIN", "GOPATH").Output(); err == nil {
		var env struct{ GOBIN, GOPATH string }
		if json.Unmarshal(out, &env) == nil {
			if env.GOBIN != "" {
				dirs = append(dirs, env.GOBIN)
			}
			for _, gp := range filepath.SplitList(env.GOPATH) {
				dirs = append(dirs, filepath.Join(gp, "bin"))
			}
		}
	}
	for _, d := range dirs {
		p := filepath.Join(d, "bigquery-emulator")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p
		}
	}
	return ""
}

// Start runs the emulator for project on loopback ports until the test ends
// and returns its endpoint (http://127.0.0.1:port). The test is skipped,
// saying how to get the emulator, when it is not installed.
func Start(t testing.TB, project string) string {
	t.Helper()
	bin := Bin()
	if bin == "" {
		t.Skip("SKIPPED: bigquery-emulator not found " +
			"(run make setup, set BQ_EMULATOR_BIN, or go install github.com/goccy/bigquery-emulator/cmd/bigquery-emulator@v0.8.1)")
	}
	port, grpcPort := freePort(t), freePort(t)
	logs := &syncBuffer{}
	cmd := exec.Command(bin, "--project="+project, "--host=127.0.0.1",
		fmt.Sprintf("--port=%d", port), fmt.Sprintf("--grpc-port=%d", grpcPort), "--log-level=error")
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("bigquery-emulator output:\n%s", logs.String())
		}
	})
	endpoint := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(endpoint + "/projects/" + project + "/datasets")
		if err == nil {
			resp.Body.Close()
			return endpoint
		}
		if time.Now().After(deadline) {
			t.Fatalf("bigquery-emulator not answering on %s: %v\n%s", endpoint, err, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// syncBuffer collects the process's output, written from its pipes'
// goroutines.
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
