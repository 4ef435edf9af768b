# Values are added out of band after the bootstrap and before the first
# `make deploy` (Cloud Run reads the latest version when an instance starts):
#   printf %s "$PROJECT_ID" | gcloud secrets versions add blendpipe-ENV-bq-project --data-file=-
locals {
  secrets = merge(
    { BQ_PROJECT = "${local.prefix}-bq-project" },
    var.enable_elasticsearch ? {
      ELASTICSEARCH_URL = "${local.prefix}-elasticsearch-url"
      ES_API_KEY        = "${local.prefix}-es-api-key"
    } : {},
  )

  # Which service reads which secret; each gets secretAccessor on exactly
  # these. validate needs none.
  service_secrets = {
    blend    = ["BQ_PROJECT"]
    metasync = concat(["BQ_PROJECT"], var.enable_elasticsearch ? ["ELASTICSEARCH_URL", "ES_API_KEY"] : [])
  }
}

# The secrets belong to the bootstrap root (modules/bootstrap names the same
# ones), so that their values exist before the services that read them
# start. Looked up here: planning fails with "not found" until the
# bootstrap is applied.
data "google_secret_manager_secret" "secret" {
  for_each = local.secrets

  project   = var.project_id
  secret_id = each.value
}

locals {
  secret_ids = { for k, s in data.google_secret_manager_secret.secret : k => s.secret_id }
}
