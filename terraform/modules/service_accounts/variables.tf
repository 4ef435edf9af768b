variable "project_id" {
  description = "Project that owns the service accounts."
  type        = string
}

variable "name_prefix" {
  description = "Prefix of the account ids (account ids are 6-30 characters)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,20}$", var.name_prefix))
    error_message = "name_prefix must be 3-21 lowercase letters, digits or dashes, starting with a letter."
  }
}

variable "uploads_bucket" {
  description = "Uploads bucket name."
  type        = string
}

variable "library_bucket" {
  description = "Library bucket name."
  type        = string
}

variable "dataset_id" {
  description = "Catalog dataset id."
  type        = string
}

variable "secret_ids" {
  description = "Environment variable name => Secret Manager secret id."
  type        = map(string)
  default     = {}
}

variable "service_secrets" {
  description = "Service (validate, blend, metasync, worker) => environment variables it reads from Secret Manager; each gets secretAccessor on exactly those secrets."
  type        = map(list(string))
  default     = {}

  validation {
    condition     = alltrue([for sa in keys(var.service_secrets) : contains(["validate", "blend", "metasync", "worker"], sa)])
    error_message = "service_secrets keys must be validate, blend, metasync or worker."
  }
}

variable "enable_worker" {
  description = "Create the GKE batch worker account and let blend reach the cluster."
  type        = bool
  default     = false
}

variable "enable_batch_job" {
  description = "Create the account of the Cloud Run Job that runs batch shards (BATCH_RUNNER=cloudrun)."
  type        = bool
  default     = false
}

variable "workload_identity_pool" {
  description = "The cluster's workload pool (PROJECT.svc.id.goog); required with enable_worker."
  type        = string
  default     = null
}

variable "k8s_namespace" {
  description = "Namespace of the worker's Kubernetes ServiceAccount."
  type        = string
  default     = "blendpipe"
}

variable "k8s_service_account" {
  description = "Name of the worker's Kubernetes ServiceAccount."
  type        = string
  default     = "blendpipe-worker"
}

variable "metrics_config_secret" {
  description = "Secret id of the RunMonitoring document the services' Prometheus collector reads; with it, each Cloud Run service account may read that secret and write metrics (monitoring.metricWriter). null: no collector."
  type        = string
  default     = null
}
