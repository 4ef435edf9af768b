variable "project_id" {
  description = "Google Cloud project of this environment."
  type        = string
}

variable "region" {
  description = "Region of Cloud Run, Eventarc, Artifact Registry, the buckets and the cluster."
  type        = string
  default     = "europe-west1"
}

variable "blend_invokers" {
  description = "Members allowed to call the blend API (user:, group:, serviceAccount:)."
  type        = list(string)
  default     = []
}

variable "enable_gke" {
  description = "Create the GKE Autopilot cluster and the worker account for heavy batches."
  type        = bool
  default     = false
}

variable "batch_runner" {
  description = "Where heavy batches run: gke (needs enable_gke), cloudrun (a Cloud Run Job, no cluster) or none; default gke with enable_gke, none without."
  type        = string
  default     = null
}

variable "alert_notification_channels" {
  description = "Cloud Monitoring notification channel ids (projects/P/notificationChannels/N) the alert policies notify."
  type        = list(string)
  default     = []
}
