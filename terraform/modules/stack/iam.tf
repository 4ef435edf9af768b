module "service_accounts" {
  source = "../service_accounts"

  project_id      = var.project_id
  name_prefix     = local.prefix
  uploads_bucket  = module.buckets.uploads_bucket
  library_bucket  = module.buckets.library_bucket
  dataset_id      = module.bigquery.dataset_id
  secret_ids      = module.secrets.secret_ids
  service_secrets = local.service_secrets

  enable_worker          = var.enable_gke
  enable_batch_job       = local.batch_runner == "cloudrun"
  workload_identity_pool = var.enable_gke ? module.gke[0].workload_pool : null

  depends_on = [module.apis]
}
