# What an environment needs before its first full apply (envs/<env>/bootstrap):
# the APIs, the Artifact Registry repository Cloud Build pushes the images
# to, and the Secret Manager secrets whose values are added out of band.
# The Cloud Run services of modules/stack start from those images and read
# those values, so they exist, filled, before `make deploy` creates the
# services; the stack looks them up by name and refuses to plan without them.

locals {
  prefix = "blendpipe-${var.env}"

  labels = {
    app         = "blendpipe"
    environment = var.env
  }

  # Every API the environment uses: the stack enables the same list again
  # (idempotent, never disabled on destroy), so either root can go first.
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

  # Environment variable => secret id; modules/stack (secrets.tf) names the
  # same secrets.
  secrets = merge(
    { BQ_PROJECT = "${local.prefix}-bq-project" },
    var.enable_elasticsearch ? {
      ELASTICSEARCH_URL = "${local.prefix}-elasticsearch-url"
      ES_API_KEY        = "${local.prefix}-es-api-key"
    } : {},
  )
}

module "apis" {
  source = "../apis"

  project_id = var.project_id
  services   = local.apis
}

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

module "secrets" {
  source = "../secrets"

  project_id = var.project_id
  secrets    = local.secrets
  labels     = local.labels

  depends_on = [module.apis]
}
