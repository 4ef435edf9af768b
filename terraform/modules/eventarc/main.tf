# Cloud Storage → Cloud Run triggers. Eventarc cannot filter storage events
# by object prefix, so every service checks the object name and ignores
# what is not its own (blend ignores everything but jobs/ manifests,
# metasync everything but seed/ and blend/).

data "google_storage_project_service_account" "gcs" {
  project = var.project_id
}

# Cloud Storage publishes its notifications to Eventarc's Pub/Sub transport
# as its service agent.
resource "google_project_iam_member" "gcs_publishes" {
  project = var.project_id
  role    = "roles/pubsub.publisher"
  member  = data.google_storage_project_service_account.gcs.member
}

resource "google_eventarc_trigger" "trigger" {
  for_each = var.triggers

  project         = var.project_id
  location        = var.region
  name            = "${var.name_prefix}-${each.key}"
  service_account = var.trigger_service_account_email
  labels          = var.labels

  matching_criteria {
    attribute = "type"
    value     = each.value.event_type
  }

  matching_criteria {
    attribute = "bucket"
    value     = each.value.bucket
  }

  destination {
    cloud_run_service {
      service = each.value.service
      region  = var.region
      path    = each.value.path
    }
  }

  depends_on = [
    google_project_iam_member.gcs_publishes,
    google_cloud_run_v2_service_iam_member.trigger_invokes,
  ]
}

# The trigger account may invoke exactly the services it delivers to.
resource "google_cloud_run_v2_service_iam_member" "trigger_invokes" {
  for_each = toset([for t in var.triggers : t.service])

  project  = var.project_id
  location = var.region
  name     = each.value
  role     = "roles/run.invoker"
  member   = "serviceAccount:${var.trigger_service_account_email}"
}
