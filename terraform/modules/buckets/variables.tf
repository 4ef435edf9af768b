variable "project_id" {
  description = "Project that owns the buckets."
  type        = string
}

variable "location" {
  description = "Bucket location (a region such as europe-west1, or a multi-region)."
  type        = string
}

variable "uploads_bucket_name" {
  description = "Name of the uploads bucket (UPLOADS_BUCKET)."
  type        = string
}

variable "library_bucket_name" {
  description = "Name of the library bucket (GCS_BUCKET): seed/, blend/, jobs/, rejected/."
  type        = string
}

variable "force_destroy" {
  description = "Allow terraform destroy to delete non-empty buckets. Keep false outside throwaway environments."
  type        = bool
  default     = false
}

variable "uploads_retention_days" {
  description = "Days an upload is kept after validate has copied it into the library."
  type        = number
  default     = 30
}

variable "rejected_retention_days" {
  description = "Days objects under rejected/ are kept."
  type        = number
  default     = 30
}

variable "noncurrent_versions_kept" {
  description = "Noncurrent generations kept per object; older ones are deleted."
  type        = number
  default     = 3
}

variable "noncurrent_retention_days" {
  description = "Days a noncurrent generation is kept at most."
  type        = number
  default     = 90
}

variable "soft_delete_days" {
  description = "Soft-delete retention in days (0 turns it off; versioning already keeps history)."
  type        = number
  default     = 7
}

variable "labels" {
  description = "Labels added to both buckets."
  type        = map(string)
  default     = {}
}
