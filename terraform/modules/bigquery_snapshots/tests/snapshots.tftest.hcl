# The daily snapshot schedule, planned against a mocked Google provider.

mock_provider "google" {
  mock_data "google_project" {
    defaults = {
      number = "123456789"
    }
  }
}

variables {
  project_id  = "test-project"
  location    = "EU"
  dataset_id  = "RAW_DEV"
  name_prefix = "blendpipe-dev"
}

run "daily_snapshot_with_expiry" {
  command = apply

  assert {
    condition     = google_bigquery_data_transfer_config.daily_snapshot.data_source_id == "scheduled_query" && startswith(google_bigquery_data_transfer_config.daily_snapshot.schedule, "every day ")
    error_message = "a scheduled query that runs every day"
  }

  assert {
    condition = alltrue([for s in [
      "CREATE SNAPSHOT TABLE IF NOT EXISTS",
      "CLONE `test-project.RAW_DEV.animations`",
      "FOR SYSTEM_TIME AS OF",
      "OPTIONS (expiration_timestamp = TIMESTAMP_ADD(",
      "INTERVAL 30 DAY",
      "'RAW_DEV_snapshots'",
    ] : strcontains(google_bigquery_data_transfer_config.daily_snapshot.params.query, s)])
    error_message = "the query snapshots the animations table into RAW_DEV_snapshots, expiring after 30 days: ${google_bigquery_data_transfer_config.daily_snapshot.params.query}"
  }

  assert {
    condition     = google_bigquery_dataset.snapshots.dataset_id == "RAW_DEV_snapshots" && google_bigquery_dataset.snapshots.default_table_expiration_ms == 31 * 86400000 && google_bigquery_dataset.snapshots.location == "EU"
    error_message = "snapshots live in their own dataset, beside the catalog, with an expiry backstop"
  }

  assert {
    condition     = google_bigquery_data_transfer_config.daily_snapshot.service_account_name == google_service_account.snapshots.email
    error_message = "the schedule runs as its own service account"
  }

  assert {
    condition = (google_bigquery_dataset_iam_member.reads_catalog.role == "roles/bigquery.dataViewer" && google_bigquery_dataset_iam_member.reads_catalog.dataset_id == "RAW_DEV" &&
      google_bigquery_dataset_iam_member.writes_snapshots.role == "roles/bigquery.dataEditor" && google_bigquery_dataset_iam_member.writes_snapshots.dataset_id == "RAW_DEV_snapshots" &&
    google_project_iam_member.runs_jobs.role == "roles/bigquery.jobUser")
    error_message = "reads the catalog, writes only the snapshot dataset, runs jobs"
  }

  assert {
    condition     = google_service_account_iam_member.transfer_agent_acts_as.member == "serviceAccount:service-123456789@gcp-sa-bigquerydatatransfer.iam.gserviceaccount.com"
    error_message = "the Data Transfer Service agent may act as the account"
  }
}

run "retention_is_configurable" {
  command = plan

  variables {
    retention_days = 7
    schedule       = "every day 01:30"
  }

  assert {
    condition     = strcontains(google_bigquery_data_transfer_config.daily_snapshot.params.query, "INTERVAL 7 DAY") && google_bigquery_data_transfer_config.daily_snapshot.schedule == "every day 01:30"
    error_message = "retention_days and schedule reach the query"
  }
}

run "not_daily_is_refused" {
  command = plan

  variables {
    schedule = "every monday 03:00"
  }

  expect_failures = [var.schedule]
}

run "no_expiry_is_refused" {
  command = plan

  variables {
    retention_days = 0
  }

  expect_failures = [var.retention_days]
}
