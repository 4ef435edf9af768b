# Enables the Google APIs an environment uses. Disabling on destroy is off:
# other workloads in the project may rely on the same APIs.

resource "google_project_service" "enabled" {
  for_each = toset(var.services)

  project                    = var.project_id
  service                    = each.value
  disable_on_destroy         = false
  disable_dependent_services = false
}
