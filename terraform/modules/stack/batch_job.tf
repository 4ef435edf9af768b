# Heavy batches: where the blend service sends the shards of a manifest over
# its sharding threshold (BATCH_RUNNER, internal/config). "gke" creates
# Indexed Jobs on the cluster of gke.tf; "cloudrun" starts executions of the
# Cloud Run Job below, for environments without a cluster; "none" runs
# every manifest in the blend service.

locals {
  batch_runner = coalesce(var.batch_runner, var.enable_gke ? "gke" : "none")

  blend_batch_env = merge(
    { BATCH_RUNNER = local.batch_runner },
    local.batch_runner == "cloudrun" ? {
      CLOUDRUN_JOB                  = module.batch_job[0].job
      CLOUDRUN_TASK_TIMEOUT_SECONDS = tostring(var.batch_job.task_timeout_seconds)
    } : {},
  )
}

resource "terraform_data" "batch_runner" {
  input = local.batch_runner

  lifecycle {
    precondition {
      condition     = local.batch_runner != "gke" || var.enable_gke
      error_message = "batch_runner = \"gke\" needs enable_gke: the Indexed Jobs run on the cluster."
    }
  }
}

module "batch_job" {
  source = "../batch_job"
  count  = local.batch_runner == "cloudrun" ? 1 : 0

  project_id            = var.project_id
  region                = var.region
  name                  = "${local.prefix}-batch"
  image                 = "${local.repository_url}/worker:${var.image_tag}"
  service_account_email = module.service_accounts.emails["batch"]
  env                   = local.config_env
  runners               = { blend = module.service_accounts.members["blend"] }

  parallelism          = var.batch_job.parallelism
  max_retries          = var.batch_job.max_retries
  task_timeout_seconds = var.batch_job.task_timeout_seconds
  workers_per_task     = var.batch_job.workers_per_task
  cpu                  = var.batch_job.cpu
  memory               = var.batch_job.memory

  deletion_protection = local.deletion_protection
  labels              = merge(local.labels, { service = "batch" })

  depends_on = [module.apis]
}
