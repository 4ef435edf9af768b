output "repository_id" {
  description = "Repository name."
  value       = google_artifact_registry_repository.docker.repository_id
}

output "repository_url" {
  description = "Image path prefix: REGION-docker.pkg.dev/PROJECT/REPOSITORY."
  value       = "${var.location}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.docker.repository_id}"
}
