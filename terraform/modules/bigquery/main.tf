# The metadata store: an append-only `animations` table that the metadata
# sync streams one row per object generation and event into, and the
# `animations_current` view that keeps the current row of every live name.
#
# The schema file and the view query mirror internal/bq (Schema and
# ViewQuery); regenerate both from there when the catalog changes:
# animations.schema.json is bq.SchemaJSON(), animations_current.sql.tftpl is
# bq.ViewQuery("${table}").

resource "google_bigquery_dataset" "catalog" {
  project       = var.project_id
  dataset_id    = var.dataset_id
  friendly_name = "Mixamo blend pipeline catalog"
  description   = "Animation metadata written by the metadata sync service."
  location      = var.location
  labels        = var.labels

  delete_contents_on_destroy = false
}

resource "google_bigquery_table" "animations" {
  project             = var.project_id
  dataset_id          = google_bigquery_dataset.catalog.dataset_id
  table_id            = var.table_id
  description         = "One row per object generation and storage event; read through ${var.view_id}."
  schema              = file("${path.module}/animations.schema.json")
  deletion_protection = var.deletion_protection
  labels              = var.labels

  # As bq.TableMetadata: daily partitions on synced_at, clustered by the
  # columns the blend API filters on.
  time_partitioning {
    type          = "DAY"
    field         = "synced_at"
    expiration_ms = var.partition_expiration_days > 0 ? var.partition_expiration_days * 86400000 : null
  }

  clustering = ["kind", "rig", "name"]
}

resource "google_bigquery_table" "animations_current" {
  project             = var.project_id
  dataset_id          = google_bigquery_dataset.catalog.dataset_id
  table_id            = var.view_id
  description         = "Current row of every live name in ${var.table_id}: highest generation, a delete outranking its own generation's finalize, duplicates collapsed to the last synced."
  deletion_protection = var.deletion_protection
  labels              = var.labels

  view {
    query = templatefile("${path.module}/animations_current.sql.tftpl", {
      table = "${var.project_id}.${google_bigquery_dataset.catalog.dataset_id}.${google_bigquery_table.animations.table_id}"
    })
    use_legacy_sql = false
  }
}
