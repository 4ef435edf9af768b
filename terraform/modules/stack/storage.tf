module "buckets" {
  source = "../buckets"

  project_id          = var.project_id
  location            = var.region
  uploads_bucket_name = local.uploads_bucket
  library_bucket_name = local.library_bucket
  force_destroy       = local.force_destroy
  labels              = local.labels

  depends_on = [module.apis]
}
