# The prod environment's bootstrap (modules/bootstrap): APIs, the image
# repository and the secrets, applied once before the first `make deploy
# ENV=prod` (`make bootstrap ENV=prod`, docs/operations.md). It reads the
# environment's terraform.tfvars (../terraform.tfvars) through the Makefile.

module "bootstrap" {
  source = "../../../modules/bootstrap"

  project_id = var.project_id
  region     = var.region
  env        = "prod"
  enable_gke = var.enable_gke
}

output "repository_url" {
  description = "Where Cloud Build pushes the images (_REPOSITORY blendpipe)."
  value       = module.bootstrap.repository_url
}

output "secret_ids" {
  description = "Secrets to add a version to before `make deploy ENV=prod`."
  value       = module.bootstrap.secret_ids
}
