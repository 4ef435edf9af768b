variable "project_id" {
  description = "Project that owns the repository."
  type        = string
}

variable "location" {
  description = "Repository region (same as Cloud Run)."
  type        = string
}

variable "repository_id" {
  description = "Repository name (_REPOSITORY in cloudbuild.yaml)."
  type        = string
  default     = "blendpipe"
}

variable "keep_recent" {
  description = "Image versions always kept per package, for roll back."
  type        = number
  default     = 20
}

variable "untagged_retention_days" {
  description = "Days untagged images are kept."
  type        = number
  default     = 14
}

variable "readers" {
  description = "Members (serviceAccount:...) granted roles/artifactregistry.reader on the repository."
  type        = list(string)
  default     = []
}

variable "labels" {
  description = "Labels for the repository."
  type        = map(string)
  default     = {}
}
