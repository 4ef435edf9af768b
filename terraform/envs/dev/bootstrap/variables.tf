# The bootstrap's share of the environment's terraform.tfvars; the other
# variables there are the environment root's.

variable "project_id" {
  description = "Google Cloud project of this environment."
  type        = string
}

variable "region" {
  description = "Region of the image repository (the Cloud Run region)."
  type        = string
  default     = "europe-west1"
}

variable "enable_gke" {
  description = "Enable the GKE API too (set as in the environment)."
  type        = bool
  default     = false
}
