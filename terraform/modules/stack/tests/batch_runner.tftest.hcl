# Where heavy batches run: BATCH_RUNNER and what each runner gets. With
# cloudrun, a Cloud Run Job with its own account, and the blend service may
# run that job (with overrides) and nothing more.

mock_provider "google" {}

variables {
  project_id          = "test-project"
  env                 = "dev"
  dataset             = "RAW_DEV"
  ingress             = "INGRESS_TRAFFIC_ALL"
  force_destroy       = true
  deletion_protection = false
  log_level           = "DEBUG"
  services = {
    validate = { min = 0, max = 5, concurrency = 4, cpu = "1", memory = "2Gi", timeout = 540, cpu_idle = true }
    blend    = { min = 0, max = 5, concurrency = 8, cpu = "2", memory = "2Gi", timeout = 600, cpu_idle = false }
    metasync = { min = 0, max = 5, concurrency = 40, cpu = "1", memory = "512Mi", timeout = 60, cpu_idle = true }
    preview  = { min = 0, max = 5, concurrency = 2, cpu = "1", memory = "1Gi", timeout = 300, cpu_idle = true }
  }
}

run "none_by_default" {
  command = plan

  assert {
    condition     = output.blend_batch_env == { BATCH_RUNNER = "none" } && length(module.batch_job) == 0
    error_message = "without a runner no job, and BATCH_RUNNER=none; got ${jsonencode(output.blend_batch_env)}"
  }

  assert {
    condition     = !contains(keys(module.service_accounts.emails), "batch")
    error_message = "no batch account without the Cloud Run Job"
  }
}

run "gke_with_the_cluster" {
  command = plan

  variables {
    enable_gke = true
  }

  assert {
    condition     = output.blend_batch_env["BATCH_RUNNER"] == "gke" && startswith(output.blend_batch_env["K8S_CLUSTER"], "projects/test-project/locations/europe-west1/clusters/")
    error_message = "enable_gke alone keeps the GKE runner; got ${jsonencode(output.blend_batch_env)}"
  }
}

run "cloudrun" {
  command = apply

  variables {
    batch_runner = "cloudrun"
    batch_job    = { parallelism = 4, task_timeout_seconds = 7200 }
  }

  assert {
    condition = output.blend_batch_env == {
      BATCH_RUNNER                  = "cloudrun"
      CLOUDRUN_JOB                  = "projects/test-project/locations/europe-west1/jobs/blendpipe-dev-batch"
      CLOUDRUN_TASK_TIMEOUT_SECONDS = "7200"
    } && output.batch_job == "projects/test-project/locations/europe-west1/jobs/blendpipe-dev-batch"
    error_message = "blend gets BATCH_RUNNER=cloudrun and the job; got ${jsonencode(output.blend_batch_env)}"
  }

  assert {
    condition = output.iam_grants["batch"] == sort([
      "roles/storage.objectViewer on bucket:test-project-blendpipe-dev-library",
      "roles/storage.objectUser on bucket:test-project-blendpipe-dev-library if batch-prefixes",
    ])
    error_message = "batch: read the library, write blend/ and jobs/; got ${jsonencode(output.iam_grants["batch"])}"
  }

  assert {
    condition     = module.service_accounts.bucket_conditions["batch/library/roles/storage.objectUser"] == module.service_accounts.bucket_conditions["blend/library/roles/storage.objectUser"]
    error_message = "the tasks write where blend writes: blend/ and jobs/"
  }

  assert {
    condition     = module.batch_job[0].runners == tolist([module.service_accounts.members["blend"]])
    error_message = "only the blend service may run the job"
  }

  assert {
    condition     = length(setintersection(toset(output.iam_grants["blend"]), toset(["roles/run.developer on project:test-project", "roles/run.admin on project:test-project"]))) == 0
    error_message = "blend gets no project-wide Cloud Run role"
  }

  assert {
    condition = (
      module.batch_job[0].container == "shard" &&
      endswith(module.batch_job[0].name, "-batch")
    )
    error_message = "the job is blendpipe-ENV-batch with the shard container"
  }
}

run "gke_needs_the_cluster" {
  command = plan

  variables {
    batch_runner = "gke"
  }

  expect_failures = [terraform_data.batch_runner]
}

run "unknown_runner" {
  command = plan

  variables {
    batch_runner = "kubernetes"
  }

  expect_failures = [var.batch_runner]
}
