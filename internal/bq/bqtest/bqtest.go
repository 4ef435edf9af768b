// Package bqtest runs the BigQuery emulator (github.com/goccy/bigquery-emulator,
// built into GOPATH/bin by scripts/setup.sh) as a process for tests that need
// a real BigQuery API on loopback.
package bqtest

import (
	"bytes"
	"context"
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

	"cloud.google.com/go/bigquery"
	"google.golang.org/api/option"
)

// Bin finds the emulator: BQ_EMULATOR_BIN, else GOBIN or GOPATH/bin; "" when
// it is not installed.
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

// Emulator runs the emulator for project on loopback ports until the test
// ends and returns its endpoint (http://127.0.0.1:port). When it is not
// installed the test is skipped, saying how to get it, or fails when CI is
// set: a CI run of the emulator tier must not pass by skipping it.
func Emulator(t testing.TB, project string) string {
	t.Helper()
	bin := Bin()
	if bin == "" {
		why := "bigquery-emulator not found (run scripts/setup.sh, set BQ_EMULATOR_BIN, or " +
			"go install github.com/goccy/bigquery-emulator/cmd/bigquery-emulator@v0.8.1)"
		if os.Getenv("CI") != "" {
			t.Fatal(why + "; CI is set, so a missing emulator fails the run")
		}
		t.Skip("SKIPPED: " + why)
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

// Start runs the emulator for project, creates dataset through the API, as
// production setups do, and returns the emulator's endpoint and a client of
// it, closed when the test ends.
func Start(t testing.TB, project, dataset string) (string, *bigquery.Client) {
	t.Helper()
	endpoint := Emulator(t, project)
	ctx := context.Background()
	client, err := bigquery.NewClient(ctx, project, option.WithEndpoint(endpoint), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	if err := client.Dataset(dataset).Create(ctx, &bigquery.DatasetMetadata{Location: "US"}); err != nil {
		t.Fatalf("create dataset: %v", err)
	}
	return endpoint, client
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
