# Daily snapshots of the animations table, kept for var.retention_days: a
# BigQuery scheduled query (a Data Transfer Service config) running
# CREATE SNAPSHOT TABLE into a dataset of its own, as a service account that
# may read the catalog and write only the snapshots. A snapshot is cheap (it
# stores only what later changes in the base table) and restores the table
# as it was at the run (docs/operations.md, "Recovery").

data "google_project" "this" {
  project_id = var.project_id
}

resource "google_bigquery_dataset" "snapshots" {
  project       = var.project_id
  dataset_id    = "${var.dataset_id}_snapshots"
  friendly_name = "Snapshots of ${var.dataset_id}.${var.table_id}"
  description   = "Daily snapshots of ${var.dataset_id}.${var.table_id}, each expiring after ${var.retention_days} days."
  location      = var.location
  labels        = var.labels

  # A backstop: each snapshot carries its own expiration_timestamp.
  default_table_expiration_ms = (var.retention_days + 1) * 86400000

  delete_contents_on_destroy = false
}

resource "google_service_account" "snapshots" {
  project      = var.project_id
  account_id   = "${var.name_prefix}-snapshots"
  display_name = "BigQuery snapshots of the ${var.dataset_id} catalog"
}

# Read the catalog (bigquery.tables.createSnapshot is in dataViewer) ...
resource "google_bigquery_dataset_iam_member" "reads_catalog" {
  project    = var.project_id
  dataset_id = var.dataset_id
  role       = "roles/bigquery.dataViewer"
  member     = google_service_account.snapshots.member
}

# ... write (and expire) snapshots in their own dataset only ...
resource "google_bigquery_dataset_iam_member" "writes_snapshots" {
  project    = var.project_id
  dataset_id = google_bigquery_dataset.snapshots.dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = google_service_account.snapshots.member
}

# ... and run the query job.
resource "google_project_iam_member" "runs_jobs" {
  project = var.project_id
  role    = "roles/bigquery.jobUser"
  member  = google_service_account.snapshots.member
}

# The Data Transfer Service agent runs the schedule as the account.
resource "google_service_account_iam_member" "transfer_agent_acts_as" {
  service_account_id = google_service_account.snapshots.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-bigquerydatatransfer.iam.gserviceaccount.com"
}

locals {
  source_table = "${var.project_id}.${var.dataset_id}.${var.table_id}"
  # animations_YYYYMMDD, as of the run time (time travel keeps it readable
  # for days, so a late run still snapshots the scheduled instant), expiring
  # retention_days later. IF NOT EXISTS makes a rerun of the same day a no-op.
  snapshot_query = <<-SQL
    DECLARE snapshot STRING DEFAULT FORMAT('%s.%s.%s_%s', '${var.project_id}', '${google_bigquery_dataset.snapshots.dataset_id}', '${var.table_id}', FORMAT_TIMESTAMP('%Y%m%d', @run_time));
    EXECUTE IMMEDIATE FORMAT("""
      CREATE SNAPSHOT TABLE IF NOT EXISTS `%s`
      CLONE `${local.source_table}`
      FOR SYSTEM_TIME AS OF TIMESTAMP '%s'
      OPTIONS (expiration_timestamp = TIMESTAMP_ADD(TIMESTAMP '%s', INTERVAL ${var.retention_days} DAY))
    """, snapshot, FORMAT_TIMESTAMP('%F %T', @run_time), FORMAT_TIMESTAMP('%F %T', @run_time));
  SQL
}

resource "google_bigquery_data_transfer_config" "daily_snapshot" {
  project              = var.project_id
  location             = var.location
  display_name         = "${var.name_prefix}-${var.table_id}-daily-snapshot"
  data_source_id       = "scheduled_query"
  schedule             = var.schedule
  service_account_name = google_service_account.snapshots.email

  params = {
    query = local.snapshot_query
  }

  depends_on = [
    google_bigquery_dataset_iam_member.reads_catalog,
    google_bigquery_dataset_iam_member.writes_snapshots,
    google_project_iam_member.runs_jobs,
    google_service_account_iam_member.transfer_agent_acts_as,
  ]
}
