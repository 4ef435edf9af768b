# A service is never public, and gets its function target, configuration,
# secrets and probes.

mock_provider "google" {}

variables {
  project_id            = "test-project"
  region                = "europe-west1"
  name                  = "blendpipe-test-validate"
  function_target       = "Validate"
  image                 = "europe-west1-docker.pkg.dev/test-project/blendpipe/validate:latest"
  service_account_email = "blendpipe-test-validate@test-project.iam.gserviceaccount.com"
  env                   = { LOG_LEVEL = "INFO", GCS_BUCKET = "lib" }
  secret_env            = { BQ_PROJECT = "blendpipe-test-bq-project" }
  invokers              = ["serviceAccount:caller@test-project.iam.gserviceaccount.com"]
}

run "service" {
  command = apply

  assert {
    condition     = !google_cloud_run_v2_service.service.invoker_iam_disabled
    error_message = "invocation must be checked by IAM"
  }

  assert {
    condition     = google_cloud_run_v2_service.service.ingress == "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"
    error_message = "default ingress is internal and load balancer"
  }

  assert {
    condition     = google_cloud_run_v2_service.service.template[0].service_account == var.service_account_email
    error_message = "the service runs as its own account"
  }

  assert {
    condition = sort([
      for e in google_cloud_run_v2_service.service.template[0].containers[0].env :
      length(e.value_source) > 0 ? "${e.name} from secret ${e.value_source[0].secret_key_ref[0].secret}" : "${e.name}=${e.value}"
      ]) == sort([
      "FUNCTION_TARGET=Validate",
      "GOOGLE_CLOUD_PROJECT=test-project",
      "LOG_LEVEL=INFO",
      "GCS_BUCKET=lib",
      "BQ_PROJECT from secret blendpipe-test-bq-project",
    ])
    error_message = "env must hold FUNCTION_TARGET, the configuration, and secrets by reference"
  }

  assert {
    condition = (
      google_cloud_run_v2_service.service.template[0].containers[0].startup_probe[0].http_get[0].path == "/ready" &&
      google_cloud_run_v2_service.service.template[0].containers[0].liveness_probe[0].http_get[0].path == "/live"
    )
    error_message = "startup probe on /ready, liveness probe on /live"
  }

  assert {
    condition     = output.invokers == tolist(["serviceAccount:caller@test-project.iam.gserviceaccount.com"])
    error_message = "only the listed invokers"
  }
}

run "refuses_all_users" {
  command = plan

  variables {
    invokers = ["allUsers"]
  }

  expect_failures = [var.invokers]
}

run "refuses_all_authenticated_users" {
  command = plan

  variables {
    invokers = ["allAuthenticatedUsers"]
  }

  expect_failures = [var.invokers]
}

run "no_collector_by_default" {
  command = plan

  assert {
    condition     = length(google_cloud_run_v2_service.service.template[0].containers) == 1 && !contains([for v in google_cloud_run_v2_service.service.template[0].volumes : v.name], "rungmp-config")
    error_message = "without metrics_collector the revision has the app container alone"
  }
}

# The collector as https://cloud.google.com/run/docs/monitoring-managed-prometheus-sidecar
# sets it up: a second container that starts after the ingress container,
# with the RunMonitoring document mounted from Secret Manager as
# /etc/rungmp/config.yaml.
run "metrics_collector" {
  command = apply

  variables {
    metrics_collector = {
      image          = "us-docker.pkg.dev/cloud-ops-agents-artifacts/cloud-run-gmp-sidecar/cloud-run-gmp-sidecar:1.2.0"
      config_secret  = "blendpipe-test-run-monitoring"
      config_version = "3"
    }
  }

  assert {
    condition     = output.containers == tolist(["blendpipe-test-validate", "collector"])
    error_message = "the app must stay the first container (Cloud Build and ignore_changes address it by index), the collector second; got ${jsonencode(output.containers)}"
  }

  assert {
    condition = (
      length(google_cloud_run_v2_service.service.template[0].containers[0].ports) == 1 &&
      google_cloud_run_v2_service.service.template[0].containers[0].ports[0].container_port == 8080 &&
      length(google_cloud_run_v2_service.service.template[0].containers[1].ports) == 0
    )
    error_message = "only the app is the ingress container, on 8080; the collector must declare no port"
  }

  assert {
    condition     = google_cloud_run_v2_service.service.template[0].containers[1].depends_on == tolist(["blendpipe-test-validate"])
    error_message = "the collector must start after the app (container dependency)"
  }

  assert {
    condition = (
      google_cloud_run_v2_service.service.template[0].containers[1].volume_mounts[0].name == "rungmp-config" &&
      google_cloud_run_v2_service.service.template[0].containers[1].volume_mounts[0].mount_path == "/etc/rungmp"
    )
    error_message = "the collector reads its configuration from /etc/rungmp"
  }

  assert {
    condition = one([
      for v in google_cloud_run_v2_service.service.template[0].volumes : v.secret[0] if v.name == "rungmp-config"
      ]).secret == "blendpipe-test-run-monitoring" && one([
      for v in google_cloud_run_v2_service.service.template[0].volumes : v.secret[0] if v.name == "rungmp-config"
    ]).items[0].path == "config.yaml"
    error_message = "the config volume must be the RunMonitoring secret, mounted as config.yaml"
  }

  assert {
    condition = one([
      for v in google_cloud_run_v2_service.service.template[0].volumes : v.secret[0] if v.name == "rungmp-config"
    ]).items[0].version == "3"
    error_message = "the configuration version must be pinned so that a new one rolls out a new revision"
  }

  assert {
    condition     = !contains([for m in google_cloud_run_v2_service.service.template[0].containers[0].volume_mounts : m.name], "rungmp-config")
    error_message = "the app does not need the collector's configuration"
  }
}

run "collector_refuses_latest" {
  command = plan

  variables {
    metrics_collector = {
      image          = "us-docker.pkg.dev/cloud-ops-agents-artifacts/cloud-run-gmp-sidecar/cloud-run-gmp-sidecar:1.2.0"
      config_secret  = "blendpipe-test-run-monitoring"
      config_version = "latest"
    }
  }

  expect_failures = [var.metrics_collector]
}
