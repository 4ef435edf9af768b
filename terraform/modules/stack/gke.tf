# Heavy batches: an Autopilot cluster, off unless enable_gke is set. The
# workloads are in terraform/k8s (kubectl apply -k terraform/k8s/overlays/ENV).
module "gke" {
  source = "../gke_autopilot"
  count  = var.enable_gke ? 1 : 0

  project_id                 = var.project_id
  region                     = var.region
  name                       = local.prefix
  master_authorized_networks = var.gke_master_authorized_networks
  deletion_protection        = local.deletion_protection
  labels                     = local.labels

  depends_on = [module.apis]
}
