# State beside the environment's (same bucket, passed at init; see
# ../backend.tf), under its own prefix.
terraform {
  backend "gcs" {
    prefix = "blendpipe/prod/bootstrap"
  }
}
