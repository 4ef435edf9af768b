# A GKE Autopilot cluster for batches too heavy for Cloud Run. Autopilot
# manages nodes, enforces the restricted pod security baseline and turns
# Workload Identity on, so the worker runs as its own Google account.
# The environments create it only when enable_gke is set.

resource "google_container_cluster" "autopilot" {
  project  = var.project_id
  name     = var.name
  location = var.region

  enable_autopilot    = true
  deletion_protection = var.deletion_protection
  resource_labels     = var.labels

  release_channel {
    channel = var.release_channel
  }

  # Nodes without public addresses; the control plane stays reachable for
  # the blend service (IAM + Kubernetes RBAC) unless narrowed below.
  private_cluster_config {
    enable_private_nodes    = true
    enable_private_endpoint = false
  }

  dynamic "master_authorized_networks_config" {
    for_each = length(var.master_authorized_networks) > 0 ? [1] : []
    content {
      dynamic "cidr_blocks" {
        for_each = var.master_authorized_networks
        content {
          cidr_block   = cidr_blocks.value
          display_name = cidr_blocks.key
        }
      }
    }
  }

  ip_allocation_policy {}

  workload_identity_config {
    workload_pool = "${var.project_id}.svc.id.goog"
  }

  # Managed collection of Managed Service for Prometheus: it scrapes the
  # pods terraform/k8s/base/podmonitoring.yaml selects. On by default on
  # Autopilot; said here so that no default change turns it off.
  monitoring_config {
    managed_prometheus {
      enabled = true
    }
  }
}
