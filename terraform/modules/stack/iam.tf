module "service_accounts" {
  source = "../service_accounts"

  project_id      = var.project_id
  name_prefix     = local.prefix
  uploads_bucket  = module.buckets.uploads_bucket
  library_bucket  = module.buckets.library_bucket
  dataset_id      = module.bigquery.dataset_id
  secret_ids      = local.secret_ids
  service_secrets = local.service_secrets

  metrics_config_secret = var.collect_service_metrics ? google_secret_manager_secret.run_monitoring[0].secret_id : null

  enable_worker          = var.enable_gke
  enable_batch_job       = local.batch_runner == "cloudrun"
  workload_identity_pool = var.enable_gke ? module.gke[0].workload_pool : null

  depends_on = [module.apis]
}
