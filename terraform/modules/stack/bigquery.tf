module "bigquery" {
  source = "../bigquery"

  project_id          = var.project_id
  location            = var.bq_location
  dataset_id          = coalesce(var.bq_dataset, local.bq_dataset)
  deletion_protection = local.deletion_protection
  labels              = local.labels

  depends_on = [module.apis]
}
