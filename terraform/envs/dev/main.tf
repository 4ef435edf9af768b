# The dev environment: the whole stack (modules/stack) with dev's settings.
# backend.tf holds its state prefix; versions.tf its provider.

locals {
  env = "dev"
}

module "stack" {
  source = "../../modules/stack"

  project_id     = var.project_id
  region         = var.region
  blend_invokers = var.blend_invokers
  enable_gke     = var.enable_gke
  batch_runner   = var.batch_runner

  alert_notification_channels = var.alert_notification_channels

  env     = local.env
  dataset = "RAW_DEV"

  # Dev is reachable directly (still IAM-authenticated: no allUsers
  # invoker); prod only through an internal load balancer or from inside
  # the project (Eventarc deliveries count as internal).
  ingress = "INGRESS_TRAFFIC_ALL"

  # Throwaway data: buckets may be destroyed with their objects, tables and
  # services without a second step.
  force_destroy       = true
  deletion_protection = false

  log_level = "DEBUG"

  # name => scaling and size. Timeouts stay within Eventarc's 600 s
  # acknowledgement deadline: a batch that needs longer belongs on GKE (the
  # sharding threshold), or Eventarc would deliver it again. Concurrency is low for validate (each request
  # may hold a MAX_FILE_SIZE_MB upload in memory) and high for metasync
  # (waits on BigQuery).
  services = {
    validate = { min = 0, max = 5, concurrency = 4, cpu = "1", memory = "2Gi", timeout = 540, cpu_idle = true }
    blend    = { min = 0, max = 5, concurrency = 8, cpu = "2", memory = "2Gi", timeout = 600, cpu_idle = false }
    metasync = { min = 0, max = 5, concurrency = 40, cpu = "1", memory = "512Mi", timeout = 60, cpu_idle = true }
    preview  = { min = 0, max = 5, concurrency = 2, cpu = "1", memory = "1Gi", timeout = 300, cpu_idle = true }
  }
}

output "stack" {
  description = "Every output of the stack: service URLs, bucket, dataset, table and view names, identities."
  value       = module.stack
}
