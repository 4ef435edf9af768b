output "job" {
  description = "The job's full name, projects/P/locations/L/jobs/NAME: the blend service's CLOUDRUN_JOB."
  value       = local.job
}

output "name" {
  description = "The job's name."
  value       = google_cloud_run_v2_job.job.name
}

output "container" {
  description = "The container the executions' overrides address."
  value       = local.container
}

output "runner_role" {
  description = "The custom role (projects/P/roles/ID) that may run the job with overrides."
  value       = google_project_iam_custom_role.runner.name
}

output "runners" {
  description = "Members granted runner_role on this job."
  value       = sort([for m in google_cloud_run_v2_job_iam_member.runner : m.member])
}
