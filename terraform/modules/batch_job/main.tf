# The Cloud Run Job whose executions run the shards of heavy batch
# manifests where no GKE cluster is wanted (BATCH_RUNNER=cloudrun). The
# blend service starts one execution per sharded manifest with jobs.run and
# overrides (internal/runjobs): a task per shard, the worker's batch command
# on the manifest, its correlation id. What is here is what every execution
# shares: the image, the account, the resources, parallelism and retries.
#
# Cloud Build updates the image with `gcloud run jobs update --image`, so
# the image is Terraform's only at creation.

locals {
  # internal/runjobs addresses its overrides to this container.
  container = "shard"

  # The job's full name, as the blend service's CLOUDRUN_JOB wants it.
  job = "projects/${var.project_id}/locations/${var.region}/jobs/${var.name}"

  # Only what running takes: jobs.run, and with overrides
  # (https://cloud.google.com/run/docs/reference/rest/v2/projects.locations.jobs/run).
  run_permissions = ["run.jobs.run", "run.jobs.runWithOverrides"]
}

resource "google_cloud_run_v2_job" "job" {
  project             = var.project_id
  location            = var.region
  name                = var.name
  deletion_protection = var.deletion_protection
  labels              = var.labels

  template {
    labels = var.labels
    # Every execution overrides the count with its shard count.
    task_count  = 1
    parallelism = var.parallelism

    template {
      service_account       = var.service_account_email
      timeout               = "${var.task_timeout_seconds}s"
      max_retries           = var.max_retries
      execution_environment = "EXECUTION_ENVIRONMENT_GEN2"

      containers {
        name  = local.container
        image = var.image

        resources {
          limits = {
            cpu    = var.cpu
            memory = var.memory
          }
        }

        # Log lines link their traces to this project's Cloud Trace.
        env {
          name  = "GOOGLE_CLOUD_PROJECT"
          value = var.project_id
        }

        env {
          name  = "WORKER_POOL_SIZE"
          value = tostring(var.workers_per_task)
        }

        dynamic "env" {
          for_each = var.env
          content {
            name  = env.key
            value = env.value
          }
        }

        # /tmp is in memory; the image's root file system is never written.
        volume_mounts {
          name       = "tmp"
          mount_path = "/tmp"
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
  }

  lifecycle {
    ignore_changes = [
      template[0].template[0].containers[0].image,
      client,
      client_version,
    ]
  }
}

# Running the job, with overrides, and nothing else: no update, no delete,
# no other job. A custom role, as no predefined one is that narrow
# (roles/run.developer could also change and delete the job), granted on
# this job only.
resource "google_project_iam_custom_role" "runner" {
  project     = var.project_id
  role_id     = replace("${var.name}_runner", "-", "_")
  title       = "Run ${var.name}"
  description = "Start executions of the Cloud Run Job ${var.name}, with overrides."
  permissions = local.run_permissions
}

resource "google_cloud_run_v2_job_iam_member" "runner" {
  for_each = var.runners

  project  = var.project_id
  location = google_cloud_run_v2_job.job.location
  name     = google_cloud_run_v2_job.job.name
  role     = google_project_iam_custom_role.runner.name
  member   = each.value
}
