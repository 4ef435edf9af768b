# The prod environment: the whole stack (modules/stack) with prod's settings.
# backend.tf holds its state prefix; versions.tf its provider.

locals {
  env = "prod"
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
  dataset = "RAW_PROD"

  # Prod is reachable only through an internal load balancer or from inside
  # the project (Eventarc deliveries count as internal); callers still need
  # run.invoker.
  ingress = "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"

  # Data and services survive a stray destroy.
  force_destroy       = false
  deletion_protection = true

  log_level = "INFO"

  # name => scaling and size. Timeouts stay within Eventarc's 600 s
  # acknowledgement deadline: a batch that needs longer belongs on GKE (the
  # sharding threshold), or Eventarc would deliver it again. One warm instance per service keeps the first
  # event of a burst off a cold start; blend keeps CPU for batches it runs
  # after answering.
  services = {
    validate = { min = 1, max = 20, concurrency = 4, cpu = "2", memory = "4Gi", timeout = 540, cpu_idle = true }
    blend    = { min = 1, max = 20, concurrency = 8, cpu = "2", memory = "4Gi", timeout = 600, cpu_idle = false }
    metasync = { min = 1, max = 10, concurrency = 40, cpu = "1", memory = "512Mi", timeout = 60, cpu_idle = true }
    preview  = { min = 0, max = 20, concurrency = 2, cpu = "1", memory = "1Gi", timeout = 300, cpu_idle = true }
  }
}

output "stack" {
  description = "Every output of the stack: service URLs, bucket, dataset, table and view names, identities."
  value       = module.stack
}
