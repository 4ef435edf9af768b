# Collection of the services' /metrics into Cloud Monitoring, against a
# mocked Google provider (the dev settings of invariants.tftest.hcl). The
# sidecar's setup is https://cloud.google.com/run/docs/monitoring-managed-prometheus-sidecar;
# the RunMonitoring fields are the sidecar's own (github.com/GoogleCloudPlatform/run-gmp-sidecar,
# confgenerator/config.go: apiVersion monitoring.googleapis.com/v1beta,
# spec.endpoints[].port/path/interval/timeout, spec.targetLabels.metadata).

mock_provider "google" {}

variables {
  project_id          = "test-project"
  env                 = "dev"
  dataset             = "RAW_DEV"
  ingress             = "INGRESS_TRAFFIC_ALL"
  force_destroy       = true
  deletion_protection = false
  log_level           = "DEBUG"
  services = {
    validate = { min = 0, max = 5, concurrency = 4, cpu = "1", memory = "2Gi", timeout = 540, cpu_idle = true }
    blend    = { min = 0, max = 5, concurrency = 8, cpu = "2", memory = "2Gi", timeout = 600, cpu_idle = false }
    metasync = { min = 0, max = 5, concurrency = 40, cpu = "1", memory = "512Mi", timeout = 60, cpu_idle = true }
    preview  = { min = 0, max = 5, concurrency = 2, cpu = "1", memory = "1Gi", timeout = 300, cpu_idle = true }
  }
}

run "collected_by_default" {
  command = apply

  # The services serve /metrics on PORT only on Cloud Run
  # (internal/metrics.PortFromEnv), so that is what is scraped.
  assert {
    condition = yamldecode(output.run_monitoring) == {
      apiVersion = "monitoring.googleapis.com/v1beta"
      kind       = "RunMonitoring"
      metadata   = { name = "blendpipe-dev" }
      spec = {
        endpoints    = [{ port = "8080", path = "/metrics", interval = "30s", timeout = "10s" }]
        targetLabels = { metadata = ["instance", "revision", "service", "configuration"] }
      }
    }
    error_message = "RunMonitoring must scrape GET /metrics on the serving port 8080; got ${output.run_monitoring}"
  }

  assert {
    condition     = google_secret_manager_secret_version.run_monitoring[0].secret_data == output.run_monitoring
    error_message = "the secret version must hold the RunMonitoring document"
  }

  assert {
    condition = alltrue([
      for k, s in module.service : s.containers == tolist(["blendpipe-dev-${k}", "collector"])
    ])
    error_message = "every service runs the collector beside the app, the app first"
  }

  assert {
    condition = alltrue([
      for k, s in module.service :
      s.ports == tolist([8080])
    ])
    error_message = "every app container serves on 8080, the port RunMonitoring scrapes"
  }

  assert {
    condition     = length(module.alerts.policies) == 10 && length([for k in keys(module.alerts.policies) : k if contains(["service_gcs_error_rate", "service_blend_p95", "service_breaker_open", "service_sync_errors"], k)]) == 4
    error_message = "with the metrics collected, the PromQL policies on them are on; got ${jsonencode(keys(module.alerts.policies))}"
  }

  assert {
    condition     = contains(module.apis.services, "secretmanager.googleapis.com") && contains(module.apis.services, "monitoring.googleapis.com")
    error_message = "the collector needs Secret Manager (its configuration) and Cloud Monitoring"
  }
}

run "not_collected" {
  command = apply

  variables {
    collect_service_metrics = false
  }

  assert {
    condition     = output.run_monitoring == null && length(google_secret_manager_secret.run_monitoring) == 0
    error_message = "no RunMonitoring secret without collection"
  }

  assert {
    condition     = alltrue([for k, s in module.service : s.containers == tolist(["blendpipe-dev-${k}"])])
    error_message = "no collector container without collection"
  }

  assert {
    condition = alltrue(flatten([
      for sa, grants in output.iam_grants : [for g in grants : !strcontains(g, "metricWriter") && !strcontains(g, "run-monitoring")]
    ]))
    error_message = "no metric writers and no reader of the collector's configuration without collection"
  }

  assert {
    condition     = length(module.alerts.policies) == 6
    error_message = "without collection the PromQL policies would see no data; got ${jsonencode(keys(module.alerts.policies))}"
  }
}
