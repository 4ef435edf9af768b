output "dataset_id" {
  description = "The dataset holding the snapshots."
  value       = google_bigquery_dataset.snapshots.dataset_id
}

output "service_account" {
  description = "The account the schedule runs as."
  value       = google_service_account.snapshots.email
}

output "transfer_config" {
  description = "The scheduled query's resource name."
  value       = google_bigquery_data_transfer_config.daily_snapshot.name
}
