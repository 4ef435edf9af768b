# Values are added out of band before the first full apply (Cloud Run reads
# the latest version when an instance starts):
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

module "secrets" {
  source = "../secrets"

  project_id = var.project_id
  secrets    = local.secrets
  labels     = local.labels

  depends_on = [module.apis]
}
