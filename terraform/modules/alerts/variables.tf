variable "project_id" {
  description = "Project the services run in."
  type        = string
}

variable "region" {
  description = "Region of the services and their Eventarc triggers."
  type        = string
}

variable "name_prefix" {
  description = "Prefix of the services and triggers (blendpipe-ENV)."
  type        = string
}

variable "services" {
  description = "Role (validate, blend, metasync, preview) => Cloud Run service name."
  type        = map(string)

  validation {
    condition     = contains(keys(var.services), "blend")
    error_message = "The blend service is needed for the latency alert."
  }
}

variable "buckets" {
  description = "The buckets whose API errors are watched (uploads, library)."
  type        = list(string)
}

variable "notification_channels" {
  description = "Cloud Monitoring notification channel ids (projects/P/notificationChannels/N) every policy notifies; empty only records incidents."
  type        = list(string)
  default     = []
}

variable "error_rate" {
  description = "Share of 5xx answers of a Cloud Run service above which it alerts."
  type        = number
  default     = 0.05
}

variable "gcs_error_rate" {
  description = "Share of failed Cloud Storage API calls on the buckets above which it alerts."
  type        = number
  default     = 0.05
}

variable "blend_latency_p95_seconds" {
  description = "95th percentile of the blend service's request latency above which it alerts."
  type        = number
  default     = 5
}

variable "eventarc_failures_per_minute" {
  description = "Eventarc push deliveries answered with an error, per minute, above which it alerts."
  type        = number
  default     = 1
}

variable "event_max_age_seconds" {
  description = "Age of the oldest undelivered event above which it alerts (Eventarc drops events after 24 hours)."
  type        = number
  default     = 3600
}

variable "prometheus_metrics" {
  description = "Whether the services' own /metrics are collected into Cloud Monitoring (Managed Service for Prometheus); adds the policies on those metrics."
  type        = bool
  default     = false
}

variable "labels" {
  description = "User labels of the policies."
  type        = map(string)
  default     = {}
}
