# Invariants of a whole environment, planned and applied against a mocked
# Google provider: nothing is created and no credentials are needed.
# Run with scripts/tf-test.sh (or make tf-validate).

# Computed attributes (emails, members, URLs) get distinct generated
# values; everything the configuration sets is checked as written.
mock_provider "google" {}

# The dev environment's settings (envs/dev/main.tf); prod_settings below
# changes them to prod's.
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
}

run "dev_defaults" {
  command = apply

  assert {
    condition     = output.uploads_bucket == "test-project-blendpipe-dev-uploads" && output.library_bucket == "test-project-blendpipe-dev-library"
    error_message = "bucket names must follow PROJECT-blendpipe-ENV-ROLE"
  }

  assert {
    condition     = output.bq_dataset == "RAW_DEV" && endswith(output.table_id, ".RAW_DEV.animations") && endswith(output.view_id, ".RAW_DEV.animations_current")
    error_message = "the catalog must be RAW_DEV.animations with the animations_current view"
  }

  # Each service account holds exactly its roles, on the narrowest resource.
  assert {
    condition = output.iam_grants["validate"] == sort([
      "roles/storage.objectViewer on bucket:test-project-blendpipe-dev-uploads",
      "roles/storage.objectViewer on bucket:test-project-blendpipe-dev-library",
      "roles/storage.objectUser on bucket:test-project-blendpipe-dev-library if validate-prefixes",
      "roles/monitoring.metricWriter on project:test-project",
      "roles/secretmanager.secretAccessor on secret:blendpipe-dev-run-monitoring",
    ])
    error_message = "validate: read uploads, read the library, write seed/ and rejected/ only, write metrics and read the collector's configuration; got ${jsonencode(output.iam_grants["validate"])}"
  }

  assert {
    condition = output.iam_grants["preview"] == sort([
      "roles/storage.objectViewer on bucket:test-project-blendpipe-dev-library",
      "roles/storage.objectUser on bucket:test-project-blendpipe-dev-library if preview-prefixes",
      "roles/monitoring.metricWriter on project:test-project",
      "roles/secretmanager.secretAccessor on secret:blendpipe-dev-run-monitoring",
    ]) && strcontains(module.service_accounts.bucket_conditions["preview/library/roles/storage.objectUser"], "resource.name.endsWith(\".png\")")
    error_message = "preview: read the library, write only *.png under seed/ and blend/; got ${jsonencode(output.iam_grants["preview"])}"
  }

  assert {
    condition = output.iam_grants["blend"] == sort([
      "roles/storage.objectViewer on bucket:test-project-blendpipe-dev-library",
      "roles/storage.objectUser on bucket:test-project-blendpipe-dev-library if blend-prefixes",
      "roles/bigquery.dataViewer on dataset:RAW_DEV",
      "roles/bigquery.jobUser on project:test-project",
      "roles/secretmanager.secretAccessor on secret:blendpipe-dev-bq-project",
      "roles/iam.serviceAccountTokenCreator on serviceAccount:self",
      "roles/monitoring.metricWriter on project:test-project",
      "roles/secretmanager.secretAccessor on secret:blendpipe-dev-run-monitoring",
    ])
    error_message = "blend: read the library, write blend/ and jobs/, read the catalog, BQ_PROJECT; got ${jsonencode(output.iam_grants["blend"])}"
  }

  assert {
    condition = output.iam_grants["metasync"] == sort([
      "roles/storage.objectViewer on bucket:test-project-blendpipe-dev-library",
      "roles/bigquery.dataEditor on dataset:RAW_DEV",
      "roles/bigquery.jobUser on project:test-project",
      "roles/secretmanager.secretAccessor on secret:blendpipe-dev-bq-project",
      "roles/monitoring.metricWriter on project:test-project",
      "roles/secretmanager.secretAccessor on secret:blendpipe-dev-run-monitoring",
    ])
    error_message = "metasync: read the library, write the catalog, BQ_PROJECT; got ${jsonencode(output.iam_grants["metasync"])}"
  }

  assert {
    condition     = output.iam_grants["trigger"] == tolist(["roles/eventarc.eventReceiver on project:test-project"])
    error_message = "the trigger account only receives events; got ${jsonencode(output.iam_grants["trigger"])}"
  }

  assert {
    condition     = !contains(keys(output.iam_grants), "worker") && output.gke_cluster == null
    error_message = "no worker account or cluster unless enable_gke"
  }

  # Nobody but the trigger account may invoke the event-driven services, and
  # no one at all until blend_invokers is set.
  assert {
    condition = alltrue([
      for svc, member in module.eventarc.invokers : member == "serviceAccount:${output.service_accounts["trigger"]}"
    ]) && length(module.eventarc.invokers) == 4
    error_message = "run.invoker from the triggers must go to the trigger account on validate, blend, metasync and preview"
  }

  # Each service hears the events it acts on: uploads to validate; the
  # library to metasync (all four kinds: the bucket keeps versions), blend
  # (manifests) and preview (the pictures seeds and blends name). The table
  # is the code's (internal/eventarc.Triggers).
  assert {
    condition = toset(keys(module.eventarc.triggers)) == toset([
      "uploads-finalized-validate", "library-finalized-metasync", "library-archived-metasync",
      "library-deleted-metasync", "library-metadataupdated-metasync",
      "library-finalized-blend", "library-finalized-preview",
    ])
    error_message = "triggers: got ${jsonencode(keys(module.eventarc.triggers))}"
  }

  assert {
    condition     = alltrue([for k, s in module.service : length(s.invokers) == 0])
    error_message = "no invokers unless blend_invokers is set"
  }

  # Every service gets the whole configuration.
  assert {
    condition = sort(keys(output.config_env)) == sort([
      "LOG_LEVEL", "LOG_FORMAT", "BQ_DATASET", "UPLOAD_TIMEOUT_SECONDS", "MAX_RETRIES",
      "RETRY_BACKOFF_MULTIPLIER", "MAX_FILE_SIZE_MB", "WORKER_POOL_SIZE", "GCS_BUCKET", "UPLOADS_BUCKET",
    ])
    error_message = "configuration variables differ from internal/config"
  }

  assert {
    condition     = output.secrets == { BQ_PROJECT = "blendpipe-dev-bq-project" }
    error_message = "only BQ_PROJECT is a secret unless enable_elasticsearch"
  }
}

run "gke_and_elasticsearch" {
  command = apply

  variables {
    enable_gke           = true
    enable_elasticsearch = true
    blend_invokers       = ["group:animators@example.com"]
  }

  assert {
    condition = output.iam_grants["worker"] == sort([
      "roles/storage.objectViewer on bucket:test-project-blendpipe-dev-library",
      "roles/storage.objectUser on bucket:test-project-blendpipe-dev-library if worker-prefixes",
    ])
    error_message = "worker: read the library, write blend/ and jobs/; got ${jsonencode(output.iam_grants["worker"])}"
  }

  assert {
    condition     = contains(output.iam_grants["blend"], "roles/container.clusterViewer on project:test-project")
    error_message = "blend needs the cluster endpoint to create batch Jobs"
  }

  # The Elasticsearch secrets go to metasync and nobody else.
  assert {
    condition = alltrue([
      for sa, grants in output.iam_grants : alltrue([
        for g in grants : sa == "metasync" if strcontains(g, "elasticsearch-url") || strcontains(g, "es-api-key")
      ])
    ]) && contains(output.iam_grants["metasync"], "roles/secretmanager.secretAccessor on secret:blendpipe-dev-es-api-key")
    error_message = "ELASTICSEARCH_URL and ES_API_KEY must be readable by metasync only"
  }

  assert {
    condition     = module.service["blend"].invokers == tolist(["group:animators@example.com"]) && length(module.service["validate"].invokers) == 0
    error_message = "blend_invokers go to the blend API only"
  }
}

run "refuses_public_invoker" {
  command = plan

  variables {
    blend_invokers = ["allUsers"]
  }

  expect_failures = [var.blend_invokers]
}

run "prod_settings" {
  command = apply

  variables {
    env                 = "prod"
    dataset             = "RAW_PROD"
    ingress             = "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"
    force_destroy       = false
    deletion_protection = true
    log_level           = "INFO"
  }

  assert {
    condition     = output.uploads_bucket == "test-project-blendpipe-prod-uploads" && output.library_bucket == "test-project-blendpipe-prod-library"
    error_message = "bucket names must follow PROJECT-blendpipe-ENV-ROLE"
  }

  assert {
    condition     = output.bq_dataset == "RAW_PROD" && endswith(output.table_id, ".RAW_PROD.animations") && endswith(output.view_id, ".RAW_PROD.animations_current")
    error_message = "the catalog must be RAW_PROD.animations with the animations_current view"
  }

  assert {
    condition     = alltrue([for k, s in module.service : s.name == "blendpipe-prod-${k}"])
    error_message = "service names"
  }

  assert {
    condition = output.iam_grants["metasync"] == sort([
      "roles/storage.objectViewer on bucket:test-project-blendpipe-prod-library",
      "roles/bigquery.dataEditor on dataset:RAW_PROD",
      "roles/bigquery.jobUser on project:test-project",
      "roles/secretmanager.secretAccessor on secret:blendpipe-prod-bq-project",
      "roles/monitoring.metricWriter on project:test-project",
      "roles/secretmanager.secretAccessor on secret:blendpipe-prod-run-monitoring",
    ])
    error_message = "metasync: read library, write BigQuery, its secret; nothing else"
  }

  assert {
    condition     = output.secrets == { BQ_PROJECT = "blendpipe-prod-bq-project" }
    error_message = "only BQ_PROJECT is a secret unless enable_elasticsearch"
  }
}

# The stack looks up the repository and the secrets the bootstrap root
# creates: the names must be the same.
run "bootstrap_names" {
  command = apply

  module {
    source = "../bootstrap"
  }

  variables {
    env                  = "dev"
    enable_elasticsearch = true
  }
}

run "stack_finds_the_bootstrap" {
  command = apply

  variables {
    enable_elasticsearch = true
  }

  assert {
    condition     = output.secrets == run.bootstrap_names.secret_ids
    error_message = "the stack must read the secrets the bootstrap creates: ${jsonencode(output.secrets)} vs ${jsonencode(run.bootstrap_names.secret_ids)}"
  }

  assert {
    condition     = output.repository_url == run.bootstrap_names.repository_url
    error_message = "the services' images must come from the bootstrap's repository: ${output.repository_url} vs ${run.bootstrap_names.repository_url}"
  }
}
