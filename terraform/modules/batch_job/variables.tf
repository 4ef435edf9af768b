variable "project_id" {
  description = "Project of the job."
  type        = string
}

variable "region" {
  description = "Region of the job."
  type        = string
}

variable "name" {
  description = "Job name (lowercase letters, digits and dashes, starting with a letter)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]([-a-z0-9]{0,47}[a-z0-9])?$", var.name))
    error_message = "name must be 1-49 lowercase letters, digits or dashes, starting with a letter and not ending with a dash."
  }
}

variable "image" {
  description = "The batch worker image (cmd/blendpipe-worker) the job is created with."
  type        = string
}

variable "service_account_email" {
  description = "Account the tasks run as: reads the library, writes blend/ and jobs/."
  type        = string
}

variable "env" {
  description = "Configuration variables of the tasks (internal/config); the overrides of each execution add GCS_BUCKET, MANIFEST and CORRELATION_ID."
  type        = map(string)
  default     = {}

  validation {
    condition     = !contains(keys(var.env), "CLOUD_RUN_TASK_INDEX") && !contains(keys(var.env), "CLOUD_RUN_TASK_COUNT")
    error_message = "CLOUD_RUN_TASK_INDEX and CLOUD_RUN_TASK_COUNT are Cloud Run's own."
  }
}

variable "runners" {
  description = "Name => member (serviceAccount:...) that may start executions with overrides: the blend service's account. Keys are static so that members known only at apply are fine."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for m in values(var.runners) : !contains(["allusers", "allauthenticatedusers"], lower(m))])
    error_message = "allUsers and allAuthenticatedUsers may not run the job."
  }
}

variable "parallelism" {
  description = "Tasks of one execution running at once."
  type        = number
  default     = 8

  validation {
    condition     = var.parallelism >= 1 && var.parallelism == floor(var.parallelism)
    error_message = "parallelism must be a whole number, 1 or more."
  }
}

variable "max_retries" {
  description = "Retries of a failed task (a shard) before the execution fails; a shard's blends are idempotent, so a retry redoes only what is missing."
  type        = number
  default     = 2

  validation {
    condition     = var.max_retries >= 0 && var.max_retries <= 10 && var.max_retries == floor(var.max_retries)
    error_message = "max_retries must be 0 to 10."
  }
}

variable "task_timeout_seconds" {
  description = "Task timeout of the template; the blend service overrides it per execution with CLOUDRUN_TASK_TIMEOUT_SECONDS."
  type        = number
  default     = 3600

  validation {
    condition     = var.task_timeout_seconds >= 1 && var.task_timeout_seconds <= 604800
    error_message = "task_timeout_seconds must be 1 to 604800 (168 hours)."
  }
}

variable "workers_per_task" {
  description = "WORKER_POOL_SIZE of each task: blends at once."
  type        = number
  default     = 4
}

variable "cpu" {
  description = "CPU limit of a task."
  type        = string
  default     = "2"
}

variable "memory" {
  description = "Memory limit of a task; /tmp (tmp_size) counts against it."
  type        = string
  default     = "2Gi"
}

variable "tmp_size" {
  description = "Size limit of the in-memory /tmp."
  type        = string
  default     = "512Mi"
}

variable "deletion_protection" {
  description = "Refuse terraform destroy of the job."
  type        = bool
  default     = true
}

variable "labels" {
  description = "Labels of the job and its executions."
  type        = map(string)
  default     = {}
}
