locals {
  # The configuration every service and the GKE worker read (internal/config).
  config_env = {
    LOG_LEVEL                = local.log_level
    LOG_FORMAT               = var.config.log_format
    BQ_DATASET               = module.bigquery.dataset_id
    UPLOAD_TIMEOUT_SECONDS   = tostring(var.config.upload_timeout_seconds)
    MAX_RETRIES              = tostring(var.config.max_retries)
    RETRY_BACKOFF_MULTIPLIER = tostring(var.config.retry_backoff_multiplier)
    MAX_FILE_SIZE_MB         = tostring(var.config.max_file_size_mb)
    WORKER_POOL_SIZE         = tostring(var.config.worker_pool_size)
    GCS_BUCKET               = module.buckets.library_bucket
    UPLOADS_BUCKET           = module.buckets.uploads_bucket
  }

  # With BATCH_RUNNER=gke, blend runs the manifests over its sharding
  # threshold as Indexed Jobs on the cluster, calling the control plane with its own Google
  # identity (Kubernetes RBAC in terraform/k8s/base/rbac.yaml).
  # The control plane's endpoint and CA are read from the GKE API at start
  # (container.clusterViewer).
  # (enable_gke too: without the cluster the precondition of batch_job.tf
  # says why, rather than an index error here.)
  blend_k8s_env = local.batch_runner == "gke" && var.enable_gke ? {
    K8S_CLUSTER      = "projects/${var.project_id}/locations/${var.region}/clusters/${module.gke[0].name}"
    K8S_WORKER_IMAGE = "${local.repository_url}/worker:${var.image_tag}"
  } : {}

  function_targets = {
    validate = "Validate"
    blend    = "Blend"
    metasync = "Sync"
    preview  = "Preview"
  }

  descriptions = {
    validate = "Validates Mixamo uploads into seed/ or rejected/."
    blend    = "Blend API (POST /blend, GET /blends) and batch manifests under jobs/."
    metasync = "Appends a catalog row for every seed/ and blend/ object event."
    preview  = "Draws the pictures each new seed and blend names; may write only *.png."
  }
}

module "service" {
  source   = "../cloud_run"
  for_each = local.services

  project_id            = var.project_id
  region                = var.region
  name                  = "${local.prefix}-${each.key}"
  description           = local.descriptions[each.key]
  function_target       = local.function_targets[each.key]
  image                 = "${local.repository_url}/${each.key}:${var.image_tag}"
  service_account_email = module.service_accounts.emails[each.key]

  env        = each.key == "blend" ? merge(local.config_env, local.blend_k8s_env, local.blend_batch_env) : local.config_env
  secret_env = { for v in lookup(local.service_secrets, each.key, []) : v => local.secret_ids[v] }

  ingress         = local.ingress
  concurrency     = each.value.concurrency
  min_instances   = each.value.min
  max_instances   = each.value.max
  cpu             = each.value.cpu
  memory          = each.value.memory
  cpu_idle        = each.value.cpu_idle
  timeout_seconds = each.value.timeout
  health_probes   = var.health_probes

  port              = local.serving_port
  metrics_collector = local.metrics_collector

  # Only the blend API has human or engine callers; the event-driven
  # services are invoked by the Eventarc trigger account alone.
  invokers = each.key == "blend" ? var.blend_invokers : []

  deletion_protection = local.deletion_protection
  labels              = merge(local.labels, { service = each.key })

  # Secret access must exist before a revision starts and reads them.
  depends_on = [module.service_accounts]
}
