output "repository_url" {
  description = "Image path prefix Cloud Build pushes to: REGION-docker.pkg.dev/PROJECT/REPOSITORY."
  value       = module.registry.repository_url
}

output "secret_ids" {
  description = "Environment variable name => secret id; add a version to each before `make deploy`."
  value       = module.secrets.secret_ids
}

output "apis" {
  description = "APIs enabled."
  value       = module.apis.services
}
