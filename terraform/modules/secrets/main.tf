# Secret Manager secrets, names only. Values are added out of band
# (gcloud secrets versions add), so they never reach Terraform state.
# Each key is the environment variable the services read the value into.

resource "google_secret_manager_secret" "secret" {
  for_each = var.secrets

  project   = var.project_id
  secret_id = each.value
  labels    = merge(var.labels, { env_var = lower(each.key) })

  replication {
    auto {}
  }
}
