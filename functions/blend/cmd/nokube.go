//go:build nokube

package main

import (
	"fmt"
	"os"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/service"
)

// withShards refuses a Kubernetes configuration in a build without the
// Kubernetes client (-tags nokube), rather than running heavy batches here.
func withShards(fn service.Function) service.Function {
	if os.Getenv("K8S_WORKER_IMAGE") != "" {
		fmt.Fprintln(os.Stderr, "blend: K8S_WORKER_IMAGE is set, but this build has no Kubernetes client (built with -tags nokube)")
		os.Exit(2)
	}
	return fn
}
