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
