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
