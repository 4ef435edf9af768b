output "name" {
  description = "Cluster name."
  value       = google_container_cluster.autopilot.name
}

output "endpoint" {
  description = "Control plane endpoint."
  value       = google_container_cluster.autopilot.endpoint
}

output "workload_pool" {
  description = "Workload Identity pool (PROJECT.svc.id.goog)."
  value       = google_container_cluster.autopilot.workload_identity_config[0].workload_pool
}
