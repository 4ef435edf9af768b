variable "project_id" {
  description = "Project that owns the dataset."
  type        = string
}

variable "location" {
  description = "Dataset location (e.g. EU, US or a region)."
  type        = string
}

variable "dataset_id" {
  description = "Dataset id (BQ_DATASET)."
  type        = string
  default     = "RAW_DEV"
}

variable "table_id" {
  description = "The append-only table (catalog.Table)."
  type        = string
  default     = "animations"
}

variable "view_id" {
  description = "The view of current rows (catalog.View)."
  type        = string
  default     = "animations_current"
}

variable "partition_expiration_days" {
  description = "Days a partition is kept; 0 keeps them forever. The view needs every row of a live name, so only set this with a periodic compaction."
  type        = number
  default     = 0
}

variable "deletion_protection" {
  description = "Refuse to destroy the table and the view."
  type        = bool
  default     = true
}

variable "labels" {
  description = "Labels for the dataset and tables."
  type        = map(string)
  default     = {}
}
