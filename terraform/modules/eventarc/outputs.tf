output "triggers" {
  description = "Trigger name => full resource id."
  value       = { for k, t in google_eventarc_trigger.trigger : k => t.id }
}

output "gcs_service_agent" {
  description = "The Cloud Storage service agent granted pubsub.publisher."
  value       = data.google_storage_project_service_account.gcs.email_address
}

output "invokers" {
  description = "Cloud Run service => member granted run.invoker by this module."
  value       = { for k, m in google_cloud_run_v2_service_iam_member.trigger_invokes : k => m.member }
}
