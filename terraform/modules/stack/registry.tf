module "registry" {
  source = "../registry"

  project_id    = var.project_id
  location      = var.region
  repository_id = var.repository
  labels        = local.labels
  # Cloud Run pulls with its service agent in the same project; the GKE
  # worker pulls with the node identity Autopilot manages. Add readers here
  # for other projects.
  readers = []

  depends_on = [module.apis]
}
