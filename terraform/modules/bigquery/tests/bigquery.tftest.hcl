# The table is shaped as internal/bq.TableMetadata and the view reads it.

mock_provider "google" {}

variables {
  project_id = "test-project"
  location   = "EU"
}

run "catalog" {
  command = apply

  assert {
    condition     = google_bigquery_table.animations.table_id == "animations" && google_bigquery_table.animations_current.table_id == "animations_current"
    error_message = "table and view names are catalog.Table and catalog.View"
  }

  assert {
    condition     = google_bigquery_table.animations.time_partitioning[0].type == "DAY" && google_bigquery_table.animations.time_partitioning[0].field == "synced_at"
    error_message = "daily partitions on synced_at"
  }

  assert {
    condition     = google_bigquery_table.animations.clustering == tolist(["kind", "rig", "name"])
    error_message = "clustered by kind, rig, name"
  }

  assert {
    condition = [for f in jsondecode(google_bigquery_table.animations.schema) : f.name if try(f.mode, "NULLABLE") == "REQUIRED"] == [
      "uri", "bucket", "name", "generation", "kind", "synced_at", "deleted",
    ]
    error_message = "REQUIRED columns are the row identity and its sync time"
  }

  assert {
    condition     = strcontains(google_bigquery_table.animations_current.view[0].query, "FROM `test-project.RAW_DEV.animations`") && !google_bigquery_table.animations_current.view[0].use_legacy_sql
    error_message = "the view reads the animations table in standard SQL"
  }

  assert {
    condition     = output.table_id == "test-project.RAW_DEV.animations"
    error_message = "table_id output"
  }
}
