package local

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
)

// options are the options the tests run the local pipeline with on dir.
func options(t testing.TB, dir string) Options {
	return Options{Dir: dir, Addr: "127.0.0.1:0", MaxFileSize: 500 << 20, Workers: 2,
		Poll: 20 * time.Millisecond, Log: pipelinetest.Logger(t)}
}

// start runs the local pipeline with opts until the test ends. Package
// localtest does the same for other packages; it cannot be imported here,
// as it imports this package.
func start(t testing.TB, opts Options) *Server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := Open(ctx, opts)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return srv
}

// dropFile copies a file into the uploads directory as a user would: written
// under a temporary name, then renamed into place.
func dropFile(t *testing.T, dir, name string, data []byte) {
	tmp, err := os.CreateTemp(dir, ".drop-*")
	if err != nil {
		t.Error(err)
		return
	}
	if _, err := tmp.Write(data); err != nil {
		t.Error(err)
	}
	tmp.Close()
	if err := os.Rename(tmp.Name(), filepath.Join(dir, "uploads", name)); err != nil {
		t.Error(err)
	}
}

func waitUntil(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func post(c *http.Client, url, body string) (int, string, error) {
	resp, err := c.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode/100 == 2 && !json.Valid(b) {
		err = fmt.Errorf("answer is not JSON: %.100q", b)
	}
	return resp.StatusCode, string(b), err
}
