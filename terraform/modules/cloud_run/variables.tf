variable "project_id" {
  description = "Project of the service."
  type        = string
}

variable "region" {
  description = "Cloud Run region."
  type        = string
}

variable "name" {
  description = "Service name."
  type        = string
}

variable "description" {
  description = "What the service does."
  type        = string
  default     = null
}

variable "function_target" {
  description = "FUNCTION_TARGET: the registered function (Validate, Blend or Sync)."
  type        = string
}

variable "image" {
  description = "Initial container image; later images come from Cloud Build (gcloud run deploy --image)."
  type        = string
}

variable "service_account_email" {
  description = "The service's own service account."
  type        = string
}

variable "env" {
  description = "Plain environment variables (LOG_LEVEL, LOG_FORMAT, BQ_DATASET, ..., GCS_BUCKET, UPLOADS_BUCKET)."
  type        = map(string)
  default     = {}
}

variable "secret_env" {
  description = "Environment variable => Secret Manager secret id, read at the latest version when an instance starts."
  type        = map(string)
  default     = {}
}

variable "ingress" {
  description = "INGRESS_TRAFFIC_ALL or INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER (Eventarc deliveries count as internal). Either way callers need run.invoker."
  type        = string
  default     = "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"

  validation {
    condition     = contains(["INGRESS_TRAFFIC_ALL", "INGRESS_TRAFFIC_INTERNAL_ONLY", "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"], var.ingress)
    error_message = "ingress must be INGRESS_TRAFFIC_ALL, INGRESS_TRAFFIC_INTERNAL_ONLY or INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER."
  }
}

variable "concurrency" {
  description = "Requests one instance serves at once."
  type        = number
  default     = 8
}

variable "min_instances" {
  description = "Instances kept warm."
  type        = number
  default     = 0
}

variable "max_instances" {
  description = "Upper bound of instances."
  type        = number
  default     = 10
}

variable "cpu" {
  description = "CPU limit, e.g. \"1\" or \"2\"."
  type        = string
  default     = "1"
}

variable "memory" {
  description = "Memory limit, e.g. \"512Mi\" or \"2Gi\". The in-memory /tmp counts against it."
  type        = string
  default     = "1Gi"
}

variable "cpu_idle" {
  description = "Throttle CPU outside requests (true) or keep it allocated (false)."
  type        = bool
  default     = true
}

variable "timeout_seconds" {
  description = "Request timeout."
  type        = number
  default     = 300
}

variable "tmp_size" {
  description = "Size limit of the in-memory /tmp volume."
  type        = string
  default     = "256Mi"
}

variable "health_probes" {
  description = "Startup probe on /ready and liveness probe on /live (port 8080)."
  type        = bool
  default     = true
}

variable "invokers" {
  description = "Members granted roles/run.invoker. Public members are refused."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for m in var.invokers : !contains(["allusers", "allauthenticatedusers"], lower(m))])
    error_message = "Unauthenticated access is not allowed: remove allUsers and allAuthenticatedUsers from invokers."
  }
}

variable "deletion_protection" {
  description = "Refuse to destroy the service."
  type        = bool
  default     = true
}

variable "labels" {
  description = "Labels for the service and its revisions."
  type        = map(string)
  default     = {}
}

variable "port" {
  description = "Port of the app's container (PORT): requests, the /ready and /live probes and /metrics."
  type        = number
  default     = 8080
}

variable "metrics_collector" {
  description = "The Managed Service for Prometheus sidecar (container \"collector\"): its image and the Secret Manager secret and version holding the RunMonitoring document it reads as /etc/rungmp/config.yaml. null: no sidecar, /metrics stays unscraped."
  type = object({
    image          = string
    config_secret  = string
    config_version = string
    cpu            = optional(string, "1")
    memory         = optional(string, "512Mi")
  })
  default = null

  validation {
    condition     = var.metrics_collector == null || try(lower(var.metrics_collector.config_version) != "latest", true)
    error_message = "metrics_collector.config_version must name one version, not \"latest\": a changed configuration must roll out as a new revision."
  }
}
