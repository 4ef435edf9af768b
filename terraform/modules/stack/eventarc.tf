# Storage events → services, the table internal/eventarc.Triggers declares.
# Each service ignores the objects that are not its own; none writes where
# its own trigger would loop (validate writes to the library, blend's result
# files are ignored by blend). The uploads bucket's archived, deleted and
# metadataUpdated events have no trigger: nothing acts on them.
module "eventarc" {
  source = "../eventarc"

  project_id                    = var.project_id
  region                        = var.region
  name_prefix                   = local.prefix
  trigger_service_account_email = module.service_accounts.emails["trigger"]
  labels                        = local.labels

  triggers = {
    uploads-finalized-validate = {
      event_type = "google.cloud.storage.object.v1.finalized"
      bucket     = module.buckets.uploads_bucket
      service    = module.service["validate"].name
    }
    library-finalized-metasync = {
      event_type = "google.cloud.storage.object.v1.finalized"
      bucket     = module.buckets.library_bucket
      service    = module.service["metasync"].name
    }
    # The library keeps versions: a delete or an overwrite archives the
    # live generation; deleted is a generation removed for good.
    library-archived-metasync = {
      event_type = "google.cloud.storage.object.v1.archived"
      bucket     = module.buckets.library_bucket
      service    = module.service["metasync"].name
    }
    library-deleted-metasync = {
      event_type = "google.cloud.storage.object.v1.deleted"
      bucket     = module.buckets.library_bucket
      service    = module.service["metasync"].name
    }
    library-metadataupdated-metasync = {
      event_type = "google.cloud.storage.object.v1.metadataUpdated"
      bucket     = module.buckets.library_bucket
      service    = module.service["metasync"].name
    }
    library-finalized-blend = {
      event_type = "google.cloud.storage.object.v1.finalized"
      bucket     = module.buckets.library_bucket
      service    = module.service["blend"].name
    }
    library-finalized-preview = {
      event_type = "google.cloud.storage.object.v1.finalized"
      bucket     = module.buckets.library_bucket
      service    = module.service["preview"].name
    }
  }

  depends_on = [module.apis]
}
