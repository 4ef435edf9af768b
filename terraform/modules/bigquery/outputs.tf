output "dataset_id" {
  description = "Dataset id (BQ_DATASET)."
  value       = google_bigquery_dataset.catalog.dataset_id
}

output "table_id" {
  description = "The animations table as project.dataset.table."
  value       = "${var.project_id}.${google_bigquery_dataset.catalog.dataset_id}.${google_bigquery_table.animations.table_id}"
}

output "view_id" {
  description = "The current-rows view as project.dataset.view."
  value       = "${var.project_id}.${google_bigquery_dataset.catalog.dataset_id}.${google_bigquery_table.animations_current.table_id}"
}
