# The job runs the worker's shards as internal/runjobs expects, and only
# the listed runners may start it, with nothing more than running.

mock_provider "google" {}

variables {
  project_id            = "test-project"
  region                = "europe-west1"
  name                  = "blendpipe-test-batch"
  image                 = "europe-west1-docker.pkg.dev/test-project/blendpipe/worker:latest"
  service_account_email = "blendpipe-test-batch@test-project.iam.gserviceaccount.com"
  env                   = { LOG_LEVEL = "INFO", GCS_BUCKET = "lib" }
  runners               = { blend = "serviceAccount:blendpipe-test-blend@test-project.iam.gserviceaccount.com" }
}

run "job" {
  command = apply

  assert {
    condition     = output.job == "projects/test-project/locations/europe-west1/jobs/blendpipe-test-batch"
    error_message = "CLOUDRUN_JOB is the job's full name"
  }

  assert {
    condition     = google_cloud_run_v2_job.job.template[0].template[0].containers[0].name == "shard" && output.container == "shard"
    error_message = "the container is named shard, as internal/runjobs addresses its overrides"
  }

  assert {
    condition     = google_cloud_run_v2_job.job.template[0].template[0].service_account == var.service_account_email
    error_message = "the tasks run as their own account"
  }

  assert {
    condition = (
      google_cloud_run_v2_job.job.template[0].parallelism == 8 &&
      google_cloud_run_v2_job.job.template[0].template[0].max_retries == 2 &&
      google_cloud_run_v2_job.job.template[0].template[0].timeout == "3600s"
    )
    error_message = "default parallelism 8, 2 retries a task, a 3600s task timeout"
  }

  assert {
    condition = sort([for e in google_cloud_run_v2_job.job.template[0].template[0].containers[0].env : "${e.name}=${e.value}"]) == sort([
      "GOOGLE_CLOUD_PROJECT=test-project",
      "WORKER_POOL_SIZE=4",
      "LOG_LEVEL=INFO",
      "GCS_BUCKET=lib",
    ])
    error_message = "env holds the project, the pool size and the configuration"
  }

  assert {
    condition     = google_cloud_run_v2_job.job.template[0].template[0].volumes[0].empty_dir[0].medium == "MEMORY"
    error_message = "/tmp is in memory"
  }

  assert {
    condition     = sort(google_project_iam_custom_role.runner.permissions) == tolist(["run.jobs.run", "run.jobs.runWithOverrides"])
    error_message = "the runner role may run the job with overrides and do nothing else"
  }

  assert {
    condition     = google_project_iam_custom_role.runner.role_id == "blendpipe_test_batch_runner"
    error_message = "role ids take no dashes"
  }

  assert {
    condition = (
      output.runners == tolist(["serviceAccount:blendpipe-test-blend@test-project.iam.gserviceaccount.com"]) &&
      alltrue([for m in google_cloud_run_v2_job_iam_member.runner : m.name == "blendpipe-test-batch" && m.role == google_project_iam_custom_role.runner.name])
    )
    error_message = "only the blend service's account gets the runner role, and on this job only"
  }
}

run "no_public_runner" {
  command = plan

  variables {
    runners = { everyone = "allUsers" }
  }

  expect_failures = [var.runners]
}

run "task_index_is_cloud_runs" {
  command = plan

  variables {
    env = { CLOUD_RUN_TASK_INDEX = "0" }
  }

  expect_failures = [var.env]
}

run "timeout_within_168_hours" {
  command = plan

  variables {
    task_timeout_seconds = 604801
  }

  expect_failures = [var.task_timeout_seconds]
}
