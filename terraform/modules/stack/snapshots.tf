# Daily snapshots of the catalog table (docs/operations.md, "Recovery").
module "bigquery_snapshots" {
  source = "../bigquery_snapshots"

  project_id     = var.project_id
  location       = var.bq_location
  dataset_id     = module.bigquery.dataset_id
  name_prefix    = local.prefix
  retention_days = var.snapshot_retention_days
  labels         = local.labels

  depends_on = [module.apis]
}

output "snapshots" {
  description = "The snapshot dataset, the account and the scheduled query that fills it."
  value = {
    dataset_id      = module.bigquery_snapshots.dataset_id
    service_account = module.bigquery_snapshots.service_account
    transfer_config = module.bigquery_snapshots.transfer_config
  }
}
