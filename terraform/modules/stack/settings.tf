# What differs between environments: each envs/<name>/main.tf sets these.

variable "env" {
  description = "Environment name; resources are named blendpipe-ENV-..."
  type        = string
}

variable "dataset" {
  description = "The environment's catalog dataset (BQ_DATASET) unless var.bq_dataset overrides it."
  type        = string
}

variable "ingress" {
  description = "Cloud Run ingress of the services (callers always need run.invoker)."
  type        = string
}

variable "force_destroy" {
  description = "Whether buckets may be destroyed with their objects."
  type        = bool
}

variable "deletion_protection" {
  description = "Whether the table and the services refuse to be destroyed."
  type        = bool
}

variable "log_level" {
  description = "LOG_LEVEL of the services."
  type        = string
}

variable "services" {
  description = "Service name => scaling and size. Timeouts stay within Eventarc's 600 s acknowledgement deadline."
  type = map(object({
    min         = number
    max         = number
    concurrency = number
    cpu         = string
    memory      = string
    timeout     = number
    cpu_idle    = bool
  }))
}

locals {
  env                 = var.env
  bq_dataset          = var.dataset
  ingress             = var.ingress
  force_destroy       = var.force_destroy
  deletion_protection = var.deletion_protection
  log_level           = var.log_level
  services            = var.services
}
