# Remote state in a GCS bucket (versioned, created once per project by
# hand; see docs/operations.md, "First-time bootstrap"). The bucket is
# passed at init so this file holds no project-specific name:
#
#   terraform -chdir=terraform/envs/prod init \
#     -backend-config="bucket=PROJECT_ID-tfstate"
#
# The GCS backend locks the state during plan and apply. `terraform
# validate` and `terraform test` never touch the backend, so the offline
# checks run without credentials.
terraform {
  backend "gcs" {
    prefix = "blendpipe/prod"
  }
}
