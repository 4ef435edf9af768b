# One service account per service, plus the Eventarc trigger identity and the
# optional GKE batch worker, each granted only what its service does:
#
#   validate  reads uploads; reads the library; writes seed/ and rejected/
#   blend     reads the library; writes blend/ and jobs/; reads the catalog;
#             signs URLs with its own key (signBlob on itself)
#   metasync  reads the library; appends to the catalog dataset
#   preview   reads the library; writes *.png under seed/ and blend/ only
#   worker    as blend for objects (GKE shards of a batch)
#   batch     as blend for objects (Cloud Run Job tasks, shards of a batch)
#   trigger   receives Eventarc events (run.invoker is granted per service
#             by the eventarc module)
#
# With metrics_config_secret, each Cloud Run service's account also reads
# that secret (its Prometheus collector's configuration) and writes metrics.
#
# Grants sit on the bucket, the dataset, the secret or the account itself.
# Only bigquery.jobUser, eventarc.eventReceiver and container.clusterViewer
# are project-wide, because they exist only at project level.

locals {
  accounts = merge(
    {
      validate = "Validates uploads into the library"
      blend    = "Blends clips and runs batch manifests"
      metasync = "Syncs library objects into the catalog"
      preview  = "Draws the pictures of seeds and blends (writes only *.png)"
      trigger  = "Eventarc triggers delivering storage events"
    },
    var.enable_worker ? { worker = "Runs batch shards on GKE" } : {},
    var.enable_batch_job ? { batch = "Runs batch shards as Cloud Run Job tasks" } : {},
  )

  buckets = {
    uploads = var.uploads_bucket
    library = var.library_bucket
  }

  # Object writes are confined to the prefixes a service owns with an IAM
  # condition on the object name (the buckets use uniform access, which
  # conditions need). objectUser is needed over objectCreator where a
  # service replaces its own records (rejected/*.error.json,
  # jobs/*.result.json).
  bucket_grants = concat(
    [
      { sa = "validate", bucket = "uploads", role = "roles/storage.objectViewer", prefixes = [], suffix = "" },
      { sa = "validate", bucket = "library", role = "roles/storage.objectViewer", prefixes = [], suffix = "" },
      { sa = "validate", bucket = "library", role = "roles/storage.objectUser", prefixes = ["seed/", "rejected/"], suffix = "" },
      { sa = "blend", bucket = "library", role = "roles/storage.objectViewer", prefixes = [], suffix = "" },
      { sa = "blend", bucket = "library", role = "roles/storage.objectUser", prefixes = ["blend/", "jobs/"], suffix = "" },
      { sa = "metasync", bucket = "library", role = "roles/storage.objectViewer", prefixes = [], suffix = "" },
      { sa = "preview", bucket = "library", role = "roles/storage.objectViewer", prefixes = [], suffix = "" },
      # Pictures only: a clip that crashed the drawing could overwrite no
      # seed, blend, manifest or result. objectUser, as a picture left by
      # other content under the same name is replaced.
      { sa = "preview", bucket = "library", role = "roles/storage.objectUser", prefixes = ["seed/", "blend/"], suffix = ".png" },
    ],
    var.enable_worker ? [
      { sa = "worker", bucket = "library", role = "roles/storage.objectViewer", prefixes = [], suffix = "" },
      { sa = "worker", bucket = "library", role = "roles/storage.objectUser", prefixes = ["blend/", "jobs/"], suffix = "" },
    ] : [],
    var.enable_batch_job ? [
      { sa = "batch", bucket = "library", role = "roles/storage.objectViewer", prefixes = [], suffix = "" },
      { sa = "batch", bucket = "library", role = "roles/storage.objectUser", prefixes = ["blend/", "jobs/"], suffix = "" },
    ] : [],
  )

  dataset_grants = [
    { sa = "metasync", role = "roles/bigquery.dataEditor" },
    { sa = "blend", role = "roles/bigquery.dataViewer" },
  ]

  project_grants = concat(
    [
      { sa = "metasync", role = "roles/bigquery.jobUser" },
      { sa = "blend", role = "roles/bigquery.jobUser" },
      { sa = "trigger", role = "roles/eventarc.eventReceiver" },
    ],
    # The blend service creates the Indexed Jobs of heavy batches: it needs
    # the cluster's endpoint; what it may do inside is Kubernetes RBAC
    # (terraform/k8s/base/rbac.yaml).
    var.enable_worker ? [{ sa = "blend", role = "roles/container.clusterViewer" }] : [],
    # The collector beside each service writes as the service's account;
    # metricWriter exists only at project level.
    var.metrics_config_secret != null ? [for sa in local.cloud_run_services : { sa = sa, role = "roles/monitoring.metricWriter" }] : [],
  )

  cloud_run_services = ["validate", "blend", "metasync", "preview"]

  secret_grants = flatten([
    for sa, envs in var.service_secrets : [
      for env in envs : { sa = sa, env = env, secret = var.secret_ids[env] }
    ]
  ])
}

resource "google_service_account" "sa" {
  for_each = local.accounts

  project      = var.project_id
  account_id   = "${var.name_prefix}-${each.key}"
  display_name = "${var.name_prefix} ${each.key}"
  description  = each.value
}

locals {
  # Each grant's prefixes as one CEL disjunction.
  prefix_expr = { for g in local.bucket_grants : "${g.sa}/${g.bucket}/${g.role}" => join(" || ", [
    for p in g.prefixes : "resource.name.startsWith(\"projects/_/buckets/${local.buckets[g.bucket]}/objects/${p}\")"
  ]) }
}

resource "google_storage_bucket_iam_member" "object" {
  for_each = { for g in local.bucket_grants : "${g.sa}/${g.bucket}/${g.role}" => g }

  bucket = local.buckets[each.value.bucket]
  role   = each.value.role
  member = google_service_account.sa[each.value.sa].member

  dynamic "condition" {
    for_each = length(each.value.prefixes) > 0 ? [1] : []
    content {
      title       = "${each.value.sa}-prefixes"
      description = "Objects under ${join(", ", each.value.prefixes)}${each.value.suffix != "" ? " ending ${each.value.suffix}" : ""}"
      expression  = each.value.suffix == "" ? local.prefix_expr[each.key] : "(${local.prefix_expr[each.key]}) && resource.name.endsWith(\"${each.value.suffix}\")"
    }
  }
}

resource "google_bigquery_dataset_iam_member" "dataset" {
  for_each = { for g in local.dataset_grants : "${g.sa}/${g.role}" => g }

  project    = var.project_id
  dataset_id = var.dataset_id
  role       = each.value.role
  member     = google_service_account.sa[each.value.sa].member
}

resource "google_project_iam_member" "project" {
  for_each = { for g in local.project_grants : "${g.sa}/${g.role}" => g }

  project = var.project_id
  role    = each.value.role
  member  = google_service_account.sa[each.value.sa].member
}

resource "google_secret_manager_secret_iam_member" "secret" {
  for_each = { for g in local.secret_grants : "${g.sa}/${g.env}" => g }

  project   = var.project_id
  secret_id = each.value.secret
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.sa[each.value.sa].member
}

# The collector's RunMonitoring document, mounted as a secret volume.
resource "google_secret_manager_secret_iam_member" "metrics_config" {
  for_each = var.metrics_config_secret != null ? toset(local.cloud_run_services) : toset([])

  project   = var.project_id
  secret_id = var.metrics_config_secret
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.sa[each.value].member
}

# Signed URLs for GET /blends: the blend service signs with its own
# account through the IAM Credentials API (signBlob), so it needs token
# creator on itself and nothing wider.
resource "google_service_account_iam_member" "blend_signs_as_itself" {
  service_account_id = google_service_account.sa["blend"].name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = google_service_account.sa["blend"].member
}

# The Kubernetes worker's ServiceAccount acts as the worker account through
# Workload Identity. The pool comes from the cluster, so the binding waits
# for it.
resource "google_service_account_iam_member" "worker_workload_identity" {
  count = var.enable_worker ? 1 : 0

  service_account_id = google_service_account.sa["worker"].name
  role               = "roles/iam.workloadIdentityUser"
  member             = "serviceAccount:${var.workload_identity_pool}[${var.k8s_namespace}/${var.k8s_service_account}]"

  lifecycle {
    precondition {
      condition     = var.workload_identity_pool != null
      error_message = "enable_worker needs workload_identity_pool (the cluster's PROJECT.svc.id.goog)."
    }
  }
}
