package metrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"
)

// DefaultPort is the metrics port on Kubernetes when METRICS_PORT is unset:
// the one the worker Service, the pods' "metrics" port and the PodMonitoring
// (terraform/k8s/base/podmonitoring.yaml) name.
const DefaultPort = "9090"

// PortFromEnv returns the port to serve /metrics on besides the service
// port servicePort, or "" when there is none:
//
//   - on Cloud Run (K_SERVICE set) never: it scrapes the serving port only;
//   - METRICS_PORT, when set;
//   - DefaultPort on Kubernetes (KUBERNETES_SERVICE_HOST set);
//   - otherwise none.
//
// A METRICS_PORT equal to servicePort needs no second listener.
func PortFromEnv(getenv func(string) string, servicePort string) (string, error) {
	if getenv("K_SERVICE") != "" {
		return "", nil
	}
	port := getenv("METRICS_PORT")
	if port == "" && getenv("KUBERNETES_SERVICE_HOST") != "" {
		port = DefaultPort
	}
	if port == "" {
		return "", nil
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return "", fmt.Errorf("METRICS_PORT: %q: want a port number", port)
	}
	if port == servicePort {
		return "", nil
	}
	return port, nil
}

// ServeMetricsPort serves GET /metrics of m on the port PortFromEnv picks
// (all interfaces), until ctx ends. It returns once the port listens, with
// its address, or with nil when no port is wanted; a port that cannot be
// opened is an error, so a misconfigured pod fails to start rather than
// run unscraped. The service and the batch worker call it beside their
// own server.
func (m *Metrics) ServeMetricsPort(ctx context.Context, getenv func(string) string, servicePort string, log *slog.Logger) (net.Addr, error) {
	port, err := PortFromEnv(getenv, servicePort)
	if err != nil || port == "" {
		return nil, err
	}
	ln, err := net.Listen("tcp", ":"+port)
	if err != nil {
		return nil, fmt.Errorf("METRICS_PORT: %w", err)
	}
	go m.Serve(ctx, ln, log)
	return ln.Addr(), nil
}

// Serve serves GET /metrics of m on ln until ctx ends.
func (m *Metrics) Serve(ctx context.Context, ln net.Listener, log *slog.Logger) error {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	stop := context.AfterFunc(ctx, func() {
		shut, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(shut)
	})
	defer stop()
	err := srv.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	if log != nil {
		log.Error("metrics port failed", "addr", ln.Addr().String(), "error", err)
	}
	return err
}
