variable "project_id" {
  description = "Project of the cluster."
  type        = string
}

variable "region" {
  description = "Region of the cluster (Autopilot clusters are regional)."
  type        = string
}

variable "name" {
  description = "Cluster name."
  type        = string
}

variable "release_channel" {
  description = "GKE release channel."
  type        = string
  default     = "REGULAR"
}

variable "master_authorized_networks" {
  description = "Name => CIDR allowed to reach the control plane; empty leaves it open to authenticated callers."
  type        = map(string)
  default     = {}
}

variable "deletion_protection" {
  description = "Refuse to destroy the cluster."
  type        = bool
  default     = true
}

variable "labels" {
  description = "Cluster resource labels."
  type        = map(string)
  default     = {}
}
