variable "project_id" {
  description = "Google Cloud project of this environment."
  type        = string
}

variable "region" {
  description = "Region of Cloud Run, Eventarc, Artifact Registry, the buckets and the cluster (Eventarc needs the buckets in the trigger's region)."
  type        = string
  default     = "europe-west1"
}

variable "bq_location" {
  description = "BigQuery dataset location."
  type        = string
  default     = "EU"
}

variable "bq_dataset" {
  description = "BQ_DATASET: the catalog dataset; default var.dataset (RAW_DEV in dev, RAW_PROD in prod)."
  type        = string
  default     = null
}

variable "uploads_bucket" {
  description = "Uploads bucket name; default PROJECT_ID-blendpipe-ENV-uploads."
  type        = string
  default     = null
}

variable "library_bucket" {
  description = "Library bucket name; default PROJECT_ID-blendpipe-ENV-library."
  type        = string
  default     = null
}

variable "repository" {
  description = "Artifact Registry repository (_REPOSITORY in cloudbuild.yaml)."
  type        = string
  default     = "blendpipe"
}

variable "image_tag" {
  description = "Image tag the services are created with; Cloud Build deploys later tags."
  type        = string
  default     = "latest"
}

variable "config" {
  description = "Configuration variables shared by every service and the GKE worker (see docs/operations.md)."
  type = object({
    log_format               = optional(string, "json")
    upload_timeout_seconds   = optional(number, 300)
    max_retries              = optional(number, 3)
    retry_backoff_multiplier = optional(number, 2.0)
    max_file_size_mb         = optional(number, 500)
    worker_pool_size         = optional(number, 4)
  })
  default = {}
}

variable "enable_elasticsearch" {
  description = "Create ELASTICSEARCH_URL and ES_API_KEY secrets and give them to metasync (add their values before apply)."
  type        = bool
  default     = false
}

variable "health_probes" {
  description = "Cloud Run startup probe on /ready and liveness probe on /live."
  type        = bool
  default     = true
}

variable "blend_invokers" {
  description = "Members allowed to call the blend API (user:, group:, serviceAccount:). Public members are refused."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for m in var.blend_invokers : !contains(["allusers", "allauthenticatedusers"], lower(m))])
    error_message = "The blend API needs authentication: allUsers and allAuthenticatedUsers are not allowed."
  }
}

variable "enable_gke" {
  description = "Create the GKE Autopilot cluster and the worker account for heavy batches."
  type        = bool
  default     = false
}

variable "gke_master_authorized_networks" {
  description = "Name => CIDR allowed to reach the cluster's control plane."
  type        = map(string)
  default     = {}
}

variable "snapshot_retention_days" {
  description = "Days each daily snapshot of the catalog table is kept."
  type        = number
  default     = 30
}

variable "alert_notification_channels" {
  description = "Cloud Monitoring notification channel ids (projects/P/notificationChannels/N) the alert policies notify."
  type        = list(string)
  default     = []
}

variable "collect_service_metrics" {
  description = "Run the Managed Service for Prometheus sidecar beside every Cloud Run service, scraping its /metrics into Cloud Monitoring."
  type        = bool
  default     = true
}

variable "metrics_collector_image" {
  description = "Image of the Managed Service for Prometheus sidecar for Cloud Run."
  type        = string
  default     = "us-docker.pkg.dev/cloud-ops-agents-artifacts/cloud-run-gmp-sidecar/cloud-run-gmp-sidecar:1.2.0"
}

variable "alert_on_service_metrics" {
  description = "Add alert policies on the services' own Prometheus metrics; null: exactly when collect_service_metrics collects them."
  type        = bool
  default     = null
}

variable "batch_runner" {
  description = "BATCH_RUNNER of the blend service: gke (needs enable_gke), cloudrun (a Cloud Run Job, no cluster) or none; default gke with enable_gke, none without."
  type        = string
  default     = null

  validation {
    condition     = var.batch_runner == null ? true : contains(["none", "gke", "cloudrun"], var.batch_runner)
    error_message = "batch_runner must be none, gke or cloudrun."
  }
}

variable "batch_job" {
  description = "The Cloud Run Job of batch_runner = \"cloudrun\": tasks at once, retries a task, task timeout (the blend service's CLOUDRUN_TASK_TIMEOUT_SECONDS too), WORKER_POOL_SIZE, CPU and memory of a task."
  type = object({
    parallelism          = optional(number, 8)
    max_retries          = optional(number, 2)
    task_timeout_seconds = optional(number, 3600)
    workers_per_task     = optional(number, 4)
    cpu                  = optional(string, "2")
    memory               = optional(string, "2Gi")
  })
  default = {}
}
