# One environment of the Mixamo blend pipeline: buckets, catalog,
# identities, the Cloud Run services, their Eventarc triggers, and
# optionally the GKE cluster for heavy batches. The image repository and the
# secrets come from the environment's bootstrap root (modules/bootstrap).
# One file per concern; settings.tf holds what differs between environments
# (set by envs/<name>).

locals {
  prefix = "blendpipe-${local.env}"

  uploads_bucket = coalesce(var.uploads_bucket, "${var.project_id}-${local.prefix}-uploads")
  library_bucket = coalesce(var.library_bucket, "${var.project_id}-${local.prefix}-library")

  labels = {
    app         = "blendpipe"
    environment = local.env
  }

  apis = concat([
    "artifactregistry.googleapis.com",
    "bigquery.googleapis.com",
    "bigquerydatatransfer.googleapis.com",
    "cloudbuild.googleapis.com",
    "cloudresourcemanager.googleapis.com",
    "eventarc.googleapis.com",
    "iam.googleapis.com",
    "iamcredentials.googleapis.com",
    "logging.googleapis.com",
    "monitoring.googleapis.com",
    "pubsub.googleapis.com",
    "run.googleapis.com",
    "secretmanager.googleapis.com",
    "storage.googleapis.com",
  ], var.enable_gke ? ["container.googleapis.com"] : [])
}

module "apis" {
  source = "../apis"

  project_id = var.project_id
  services   = local.apis
}
