# Collection of the services' own Prometheus metrics (internal/metrics) into
# Cloud Monitoring, where the PromQL alert policies (alerts.tf,
# var.alert_on_service_metrics) read them. Each Cloud Run service runs the
# Managed Service for Prometheus sidecar
# (https://cloud.google.com/run/docs/monitoring-managed-prometheus-sidecar)
# with the RunMonitoring document below; the GKE worker and shard pods are
# scraped by managed collection through terraform/k8s/base/podmonitoring.yaml.

locals {
  # Cloud Run sets PORT to the ingress container's port; the app answers
  # requests, probes and GET /metrics there and opens no other port
  # (metrics.PortFromEnv returns none when K_SERVICE is set).
  serving_port = 8080

  # RunMonitoring (apiVersion monitoring.googleapis.com/v1beta), the subset
  # of PodMonitoring the sidecar reads: metadata.name becomes the job label;
  # every series gets the service, revision, configuration and instance as
  # labels. 30 s matches the sidecar's default and is well inside the 5 and
  # 10 minute windows of the alert queries.
  run_monitoring = yamlencode({
    apiVersion = "monitoring.googleapis.com/v1beta"
    kind       = "RunMonitoring"
    metadata   = { name = local.prefix }
    spec = {
      endpoints = [{
        port     = tostring(local.serving_port)
        path     = "/metrics"
        interval = "30s"
        timeout  = "10s"
      }]
      targetLabels = { metadata = ["instance", "revision", "service", "configuration"] }
    }
  })
}

# The document is configuration, not a credential; it sits in Secret
# Manager because that is where the sidecar can mount a file from.
resource "google_secret_manager_secret" "run_monitoring" {
  count = var.collect_service_metrics ? 1 : 0

  project   = var.project_id
  secret_id = "${local.prefix}-run-monitoring"
  labels    = merge(local.labels, { purpose = "run-monitoring" })

  replication {
    auto {}
  }

  depends_on = [module.apis]
}

resource "google_secret_manager_secret_version" "run_monitoring" {
  count = var.collect_service_metrics ? 1 : 0

  secret      = google_secret_manager_secret.run_monitoring[0].id
  secret_data = local.run_monitoring
}

locals {
  metrics_collector = var.collect_service_metrics ? {
    image          = var.metrics_collector_image
    config_secret  = google_secret_manager_secret.run_monitoring[0].secret_id
    config_version = google_secret_manager_secret_version.run_monitoring[0].version
  } : null
}

check "service_metric_alerts_have_data" {
  assert {
    condition     = var.alert_on_service_metrics != true || var.collect_service_metrics
    error_message = "alert_on_service_metrics without collect_service_metrics: no collector writes the services' metrics, so the PromQL policies will see no data."
  }
}

output "run_monitoring" {
  description = "The RunMonitoring document the services' collectors read (null without collect_service_metrics)."
  value       = var.collect_service_metrics ? local.run_monitoring : null
}
