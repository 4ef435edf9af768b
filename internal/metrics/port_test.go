package metrics

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestPortFromEnv(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		env     map[string]string
		want    string
		wantErr bool
	}{
		{"nothing set", map[string]string{}, "", false},
		{"kubernetes default", map[string]string{"KUBERNETES_SERVICE_HOST": "10.0.0.1"}, "9090", false},
		{"kubernetes explicit", map[string]string{"KUBERNETES_SERVICE_HOST": "10.0.0.1", "METRICS_PORT": "9191"}, "9191", false},
		{"explicit off kubernetes", map[string]string{"METRICS_PORT": "9191"}, "9191", false},
		{"cloud run ignores it", map[string]string{"K_SERVICE": "blend", "METRICS_PORT": "9090"}, "", false},
		{"same as the service port", map[string]string{"METRICS_PORT": "8080"}, "", false},
		{"not a number", map[string]string{"METRICS_PORT": "metrics"}, "", true},
		{"out of range", map[string]string{"METRICS_PORT": "70000"}, "", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := PortFromEnv(func(k string) string { return c.env[k] }, "8080")
			if (err != nil) != c.wantErr || got != c.want {
				t.Fatalf("PortFromEnv = %q, %v; want %q, error %v", got, err, c.want, c.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), "METRICS_PORT") {
				t.Errorf("error %q does not name METRICS_PORT", err)
			}
		})
	}
}

func TestServeMetricsPort(t *testing.T) {
	m := New()
	m.UploadBytes.Add(1234)
	ctx, cancel := context.WithCancel(context.Background())
	// Port 0: the kernel picks a free one, as a test must.
	env := map[string]string{"KUBERNETES_SERVICE_HOST": "10.0.0.1", "METRICS_PORT": "0"}
	addr, err := m.ServeMetricsPort(ctx, func(k string) string { return env[k] }, "8080", nil)
	if err != nil || addr == nil {
		t.Fatalf("ServeMetricsPort = %v, %v", addr, err)
	}
	url := "http://" + addr.String()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "upload_bytes_total 1234") {
		t.Fatalf("GET /metrics: %d\n%.300s", resp.StatusCode, body)
	}
	// Only the metrics: the service's routes are on its own port.
	resp, err = http.Get(url + "/blends")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("GET /blends on the metrics port: %d", resp.StatusCode)
	}
	cancel()
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := http.Get(url + "/metrics")
		if err != nil {
			break
		}
		resp.Body.Close()
		if time.Now().After(deadline) {
			t.Fatal("the metrics port still serves after its context ended")
		}
		time.Sleep(20 * time.Millisecond)
	}

	if addr, err := m.ServeMetricsPort(context.Background(), func(string) string { return "" }, "8080", nil); addr != nil || err != nil {
		t.Errorf("off Kubernetes without METRICS_PORT: %v, %v", addr, err)
	}
}
