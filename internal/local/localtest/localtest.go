// Package localtest runs the local pipeline server for tests outside
// package local.
package localtest

import (
	"context"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/local"
)

// Start opens the local pipeline with opts, on a free loopback port when
// opts.Addr is empty, and runs it until the test ends; the test fails if
// the server does not stop cleanly.
func Start(t testing.TB, opts local.Options) *local.Server {
	t.Helper()
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	// Not t.Context(): that ends before the test's other cleanups, which
	// may still need the server.
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := local.Open(ctx, opts)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("local pipeline: %v", err)
		}
	})
	return srv
}
