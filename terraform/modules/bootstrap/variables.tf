variable "project_id" {
  description = "Google Cloud project of the environment."
  type        = string
}

variable "region" {
  description = "Region of the Artifact Registry repository (the Cloud Run region)."
  type        = string
  default     = "europe-west1"
}

variable "env" {
  description = "Environment name (dev, prod); resources are named blendpipe-ENV-..."
  type        = string
}

variable "repository" {
  description = "Artifact Registry repository (_REPOSITORY in cloudbuild.yaml)."
  type        = string
  default     = "blendpipe"
}

variable "enable_elasticsearch" {
  description = "Also create the ELASTICSEARCH_URL and ES_API_KEY secrets (as the stack's enable_elasticsearch)."
  type        = bool
  default     = false
}

variable "enable_gke" {
  description = "Also enable the GKE API (as the stack's enable_gke)."
  type        = bool
  default     = false
}
