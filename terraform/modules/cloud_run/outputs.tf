output "name" {
  description = "Service name."
  value       = google_cloud_run_v2_service.service.name
}

output "uri" {
  description = "Service URL."
  value       = google_cloud_run_v2_service.service.uri
}

output "invokers" {
  description = "Members granted run.invoker by this module."
  value       = sort([for m in google_cloud_run_v2_service_iam_member.invoker : m.member])
}

output "containers" {
  description = "Container names of the revision template, the app (ingress) first; Cloud Build deploys images to the first (gcloud run services update --container)."
  value       = tolist([for c in google_cloud_run_v2_service.service.template[0].containers : c.name])
}

output "ports" {
  description = "Ports the app (ingress) container declares; Cloud Run sends requests to, and sets PORT to, the first."
  value       = tolist([for p in google_cloud_run_v2_service.service.template[0].containers[0].ports : p.container_port])
}
