variable "project_id" {
  description = "Project that owns the secrets."
  type        = string
}

variable "secrets" {
  description = "Environment variable name => secret id, e.g. { BQ_PROJECT = \"blendpipe-dev-bq-project\" }."
  type        = map(string)
}

variable "labels" {
  description = "Labels for every secret."
  type        = map(string)
  default     = {}
}
