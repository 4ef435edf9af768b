variable "project_id" {
  description = "Project of the catalog."
  type        = string
}

variable "location" {
  description = "Location of the catalog dataset; the snapshots and the schedule live there too."
  type        = string
}

variable "dataset_id" {
  description = "The catalog dataset (BQ_DATASET)."
  type        = string
}

variable "table_id" {
  description = "The table snapshotted (catalog.Table)."
  type        = string
  default     = "animations"
}

variable "name_prefix" {
  description = "Prefix of the service account and the transfer config (blendpipe-ENV)."
  type        = string
}

variable "schedule" {
  description = "When the snapshot runs, in the Data Transfer Service's schedule syntax (UTC)."
  type        = string
  default     = "every day 03:00"

  validation {
    condition     = startswith(var.schedule, "every day ") || var.schedule == "every 24 hours"
    error_message = "The snapshot is daily: \"every day HH:MM\" or \"every 24 hours\"."
  }
}

variable "retention_days" {
  description = "Days each snapshot is kept before it expires."
  type        = number
  default     = 30

  validation {
    condition     = var.retention_days >= 1 && var.retention_days <= 3650 && floor(var.retention_days) == var.retention_days
    error_message = "retention_days is a whole number of days from 1 to 3650."
  }
}

variable "labels" {
  description = "Labels for the snapshot dataset."
  type        = map(string)
  default     = {}
}
