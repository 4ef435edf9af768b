# The Docker repository for the service and worker images belongs to the
# environment's bootstrap root (modules/bootstrap), so that Cloud Build can
# push the images before this stack creates the services from them. Looked
# up here: planning fails with "not found" until the bootstrap is applied.
data "google_artifact_registry_repository" "docker" {
  project       = var.project_id
  location      = var.region
  repository_id = var.repository
}

locals {
  repository_url = "${var.region}-docker.pkg.dev/${var.project_id}/${data.google_artifact_registry_repository.docker.repository_id}"
}
