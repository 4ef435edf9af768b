# One Cloud Run (v2) service: a functions-framework-go function selected by
# FUNCTION_TARGET. Invocation always needs IAM (run.invoker); this module
# refuses allUsers and allAuthenticatedUsers.
#
# Cloud Build deploys new images to the app container (the first, named as
# the service) with `gcloud run services update --container --image`, so
# its image, and the traffic split operators change when rolling back, are
# Terraform's only at creation.

locals {
  # The metrics collector's container and config volume, when there is one.
  # It scrapes var.port: the app serves its requests, the probes and
  # /metrics there and, on Cloud Run, opens no metrics port of its own
  # (internal/metrics, PortFromEnv).
  collector = var.metrics_collector == null ? [] : [var.metrics_collector]
}

resource "google_cloud_run_v2_service" "service" {
  project             = var.project_id
  location            = var.region
  name                = var.name
  description         = var.description
  ingress             = var.ingress
  deletion_protection = var.deletion_protection
  labels              = var.labels

  invoker_iam_disabled = false

  template {
    service_account                  = var.service_account_email
    timeout                          = "${var.timeout_seconds}s"
    max_instance_request_concurrency = var.concurrency
    execution_environment            = "EXECUTION_ENVIRONMENT_GEN2"
    labels                           = var.labels

    scaling {
      min_instance_count = var.min_instances
      max_instance_count = var.max_instances
    }

    containers {
      name  = var.name
      image = var.image

      ports {
        name           = "http1"
        container_port = var.port
      }

      resources {
        limits = {
          cpu    = var.cpu
          memory = var.memory
        }
        # CPU only while serving requests, except for services that keep
        # background work (a batch on the worker pool) going.
        cpu_idle          = var.cpu_idle
        startup_cpu_boost = true
      }

      env {
        name  = "FUNCTION_TARGET"
        value = var.function_target
      }

      # Log lines link their traces to this project's Cloud Trace.
      env {
        name  = "GOOGLE_CLOUD_PROJECT"
        value = var.project_id
      }

      dynamic "env" {
        for_each = var.env
        content {
          name  = env.key
          value = env.value
        }
      }

      dynamic "env" {
        for_each = var.secret_env
        content {
          name = env.key
          value_source {
            secret_key_ref {
              secret  = env.value
              version = "latest"
            }
          }
        }
      }

      # /tmp is in-memory on Cloud Run; the image's root file system is
      # never written.
      volume_mounts {
        name       = "tmp"
        mount_path = "/tmp"
      }

      dynamic "startup_probe" {
        for_each = var.health_probes ? [1] : []
        content {
          initial_delay_seconds = 0
          period_seconds        = 2
          timeout_seconds       = 1
          failure_threshold     = 30
          http_get {
            path = "/ready"
            port = var.port
          }
        }
      }

      dynamic "liveness_probe" {
        for_each = var.health_probes ? [1] : []
        content {
          period_seconds    = 15
          timeout_seconds   = 2
          failure_threshold = 3
          http_get {
            path = "/live"
            port = var.port
          }
        }
      }
    }

    # The Managed Service for Prometheus collector
    # (https://cloud.google.com/run/docs/monitoring-managed-prometheus-sidecar):
    # it reads the RunMonitoring document at /etc/rungmp/config.yaml, scrapes
    # the app over the instance's shared localhost, and writes the samples to
    # Cloud Monitoring as prometheus_target series. It starts once the app's
    # startup probe passes (depends_on), so its first scrape finds /metrics
    # served; it scrapes once more when the instance shuts down.
    dynamic "containers" {
      for_each = local.collector
      content {
        name       = "collector"
        image      = containers.value.image
        depends_on = [var.name]

        resources {
          limits = {
            cpu    = containers.value.cpu
            memory = containers.value.memory
          }
          cpu_idle = var.cpu_idle
        }

        volume_mounts {
          name       = "rungmp-config"
          mount_path = "/etc/rungmp"
        }
      }
    }

    dynamic "volumes" {
      for_each = local.collector
      content {
        name = "rungmp-config"
        secret {
          secret = volumes.value.config_secret
          # A pinned version: a new configuration is a new revision, where
          # "latest" would reach only instances started after it.
          items {
            version = volumes.value.config_version
            path    = "config.yaml"
          }
        }
      }
    }

    volumes {
      name = "tmp"
      empty_dir {
        medium     = "MEMORY"
        size_limit = var.tmp_size
      }
    }
  }

  traffic {
    type    = "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST"
    percent = 100
  }

  lifecycle {
    ignore_changes = [
      template[0].containers[0].image,
      traffic,
      client,
      client_version,
    ]
  }
}

# Callers of the service (people, NPC engine build identities); Eventarc's
# trigger account is added by the eventarc module.
resource "google_cloud_run_v2_service_iam_member" "invoker" {
  for_each = toset(var.invokers)

  project  = var.project_id
  location = google_cloud_run_v2_service.service.location
  name     = google_cloud_run_v2_service.service.name
  role     = "roles/run.invoker"
  member   = each.value
}
