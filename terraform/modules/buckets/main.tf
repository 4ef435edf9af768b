# The uploads bucket (Mixamo downloads land here) and the library bucket
# (seed/, blend/, jobs/, rejected/). Both are private: uniform bucket-level
# access and enforced public access prevention, so no ACL or allUsers grant
# can ever expose an object. Versioning keeps overwritten and deleted objects
# as noncurrent generations for recovery; lifecycle rules bound what that
# costs.

locals {
  buckets = {
    uploads = var.uploads_bucket_name
    library = var.library_bucket_name
  }
}

resource "google_storage_bucket" "bucket" {
  for_each = local.buckets

  project       = var.project_id
  name          = each.value
  location      = var.location
  storage_class = "STANDARD"
  force_destroy = var.force_destroy
  labels        = merge(var.labels, { role = each.key })

  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"

  versioning {
    enabled = true
  }

  soft_delete_policy {
    retention_duration_seconds = var.soft_delete_days * 86400
  }

  # Uploads are copied into the library by validate; the originals are only
  # kept long enough to investigate a rejection.
  dynamic "lifecycle_rule" {
    for_each = each.key == "uploads" ? [1] : []
    content {
      condition {
        age = var.uploads_retention_days
      }
      action {
        type = "Delete"
      }
    }
  }

  # Rejected uploads and their .error.json reasons expire.
  dynamic "lifecycle_rule" {
    for_each = each.key == "library" ? [1] : []
    content {
      condition {
        age            = var.rejected_retention_days
        matches_prefix = ["rejected/"]
      }
      action {
        type = "Delete"
      }
    }
  }

  # Noncurrent generations: keep the newest few for a while, then drop them.
  lifecycle_rule {
    condition {
      with_state         = "ARCHIVED"
      num_newer_versions = var.noncurrent_versions_kept
    }
    action {
      type = "Delete"
    }
  }

  lifecycle_rule {
    condition {
      with_state                 = "ARCHIVED"
      days_since_noncurrent_time = var.noncurrent_retention_days
    }
    action {
      type = "Delete"
    }
  }
}
