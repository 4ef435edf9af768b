output "service_urls" {
  description = "Service name => URL (callers need run.invoker)."
  value       = { for k, s in module.service : k => s.uri }
}

output "uploads_bucket" {
  description = "UPLOADS_BUCKET."
  value       = module.buckets.uploads_bucket
}

output "library_bucket" {
  description = "GCS_BUCKET."
  value       = module.buckets.library_bucket
}

output "bq_dataset" {
  description = "BQ_DATASET."
  value       = module.bigquery.dataset_id
}

output "table_id" {
  description = "The animations table (project.dataset.table)."
  value       = module.bigquery.table_id
}

output "view_id" {
  description = "The current-rows view (project.dataset.view)."
  value       = module.bigquery.view_id
}

output "repository_url" {
  description = "Image path prefix for cloudbuild.yaml."
  value       = local.repository_url
}

output "service_accounts" {
  description = "Account key => email."
  value       = module.service_accounts.emails
}

output "secrets" {
  description = "Environment variable => secret id whose value must be added out of band."
  value       = local.secret_ids
}

output "iam_grants" {
  description = "Account key => every grant the environment makes it."
  value       = module.service_accounts.grants
}

output "gke_cluster" {
  description = "GKE cluster name, or null when enable_gke is off."
  value       = var.enable_gke ? module.gke[0].name : null
}

output "config_env" {
  description = "The configuration variables the services get; the same go into terraform/k8s's ConfigMap."
  value       = local.config_env
}

output "batch_job" {
  description = "The Cloud Run Job running batch shards (projects/P/locations/L/jobs/NAME), or null unless batch_runner is cloudrun."
  value       = local.batch_runner == "cloudrun" ? module.batch_job[0].job : null
}

output "blend_batch_env" {
  description = "The batch runner's variables the blend service gets besides config_env (BATCH_RUNNER, CLOUDRUN_*; K8S_* with gke)."
  value       = merge(local.blend_k8s_env, local.blend_batch_env)
}
