package eventarc_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/rydlrcs/mixamo-blend-pipeline/internal/pipelinetest"
)

// TestMain starts the Pub/Sub emulator the buckets of fake-gcs-server
// publish their notifications to.
func TestMain(m *testing.M) {
	stop, err := pipelinetest.PubSubEmulator()
	if err != nil {
		fmt.Fprintln(os.Stderr, "pubsub emulator:", err)
		os.Exit(1)
	}
	code := m.Run()
	stop()
	os.Exit(code)
}
