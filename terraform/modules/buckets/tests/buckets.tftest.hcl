# No public bucket: uniform access and enforced public access prevention on
# both, versioning on, rejected/ and old generations expiring.

mock_provider "google" {}

variables {
  project_id          = "test-project"
  location            = "europe-west1"
  uploads_bucket_name = "test-uploads"
  library_bucket_name = "test-library"
}

run "private_and_versioned" {
  command = apply

  assert {
    condition     = alltrue([for b in google_storage_bucket.bucket : b.public_access_prevention == "enforced" && b.uniform_bucket_level_access])
    error_message = "every bucket must enforce public access prevention and uniform bucket-level access"
  }

  assert {
    condition     = alltrue([for b in google_storage_bucket.bucket : b.versioning[0].enabled])
    error_message = "every bucket must keep object versions"
  }

  assert {
    condition = anytrue([
      for r in google_storage_bucket.bucket["library"].lifecycle_rule :
      one(r.action).type == "Delete" && one(r.condition).matches_prefix == tolist(["rejected/"]) && one(r.condition).age == 30
    ])
    error_message = "rejected/ must expire after rejected_retention_days"
  }

  assert {
    condition = alltrue([
      for b in google_storage_bucket.bucket : anytrue([
        for r in b.lifecycle_rule : one(r.condition).with_state == "ARCHIVED" && one(r.condition).num_newer_versions == 3
      ])
    ])
    error_message = "noncurrent generations beyond noncurrent_versions_kept must be deleted"
  }

  assert {
    condition     = output.uploads_bucket == "test-uploads" && output.library_bucket == "test-library"
    error_message = "bucket names"
  }
}
