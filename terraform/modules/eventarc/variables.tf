variable "project_id" {
  description = "Project of the triggers."
  type        = string
}

variable "region" {
  description = "Trigger and Cloud Run region; must be the buckets' location."
  type        = string
}

variable "name_prefix" {
  description = "Prefix of the trigger names."
  type        = string
}

variable "trigger_service_account_email" {
  description = "Identity the triggers deliver with (eventarc.eventReceiver; run.invoker is granted here)."
  type        = string
}

variable "triggers" {
  description = "Trigger name => event type, bucket, destination Cloud Run service and path."
  type = map(object({
    event_type = string
    bucket     = string
    service    = string
    path       = optional(string, "/")
  }))

  validation {
    condition = alltrue([for t in var.triggers : contains([
      "google.cloud.storage.object.v1.finalized",
      "google.cloud.storage.object.v1.deleted",
      "google.cloud.storage.object.v1.archived",
      "google.cloud.storage.object.v1.metadataUpdated",
    ], t.event_type)])
    error_message = "event_type must be a google.cloud.storage.object.v1 event."
  }
}

variable "labels" {
  description = "Labels for the triggers."
  type        = map(string)
  default     = {}
}
