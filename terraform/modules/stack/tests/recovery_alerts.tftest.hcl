# Snapshots and alerts of a whole environment, against a mocked Google
# provider (the dev settings of invariants.tftest.hcl).

mock_provider "google" {}

variables {
  project_id          = "test-project"
  env                 = "dev"
  dataset             = "RAW_DEV"
  ingress             = "INGRESS_TRAFFIC_ALL"
  force_destroy       = true
  deletion_protection = false
  log_level           = "DEBUG"
  services = {
    validate = { min = 0, max = 5, concurrency = 4, cpu = "1", memory = "2Gi", timeout = 540, cpu_idle = true }
    blend    = { min = 0, max = 5, concurrency = 8, cpu = "2", memory = "2Gi", timeout = 600, cpu_idle = false }
    metasync = { min = 0, max = 5, concurrency = 40, cpu = "1", memory = "512Mi", timeout = 60, cpu_idle = true }
    preview  = { min = 0, max = 5, concurrency = 2, cpu = "1", memory = "1Gi", timeout = 300, cpu_idle = true }
  }
  alert_notification_channels = ["projects/test-project/notificationChannels/42"]
}

run "snapshots_and_alerts" {
  command = apply

  assert {
    condition     = output.snapshots.dataset_id == "RAW_DEV_snapshots"
    error_message = "the catalog's daily snapshots go to RAW_DEV_snapshots"
  }

  assert {
    condition     = length(output.alert_policies) == 10
    error_message = "the six alert policies of the Cloud Run path and the four on the services' collected metrics exist; got ${jsonencode(keys(output.alert_policies))}"
  }

  assert {
    condition     = contains(module.apis.services, "bigquerydatatransfer.googleapis.com") && contains(module.apis.services, "monitoring.googleapis.com")
    error_message = "the scheduled query and the alert policies need their APIs"
  }
}
