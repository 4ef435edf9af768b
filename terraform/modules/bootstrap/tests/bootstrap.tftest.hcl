# The bootstrap of an environment, on a mocked Google provider: what the
# stack needs to exist before its first apply, named as the stack looks it
# up.

mock_provider "google" {}

variables {
  project_id = "test-project"
  env        = "dev"
}

run "dev" {
  command = apply

  assert {
    condition     = output.repository_url == "europe-west1-docker.pkg.dev/test-project/blendpipe"
    error_message = "Cloud Build pushes to REGION-docker.pkg.dev/PROJECT/blendpipe (_REPOSITORY); got ${output.repository_url}"
  }

  assert {
    condition     = output.secret_ids == { BQ_PROJECT = "blendpipe-dev-bq-project" }
    error_message = "only BQ_PROJECT unless enable_elasticsearch; got ${jsonencode(output.secret_ids)}"
  }

  # The registry and the secrets are created after their APIs, and the
  # APIs Cloud Build, the services and the collector need are on.
  assert {
    condition = alltrue([for a in ["artifactregistry.googleapis.com", "secretmanager.googleapis.com", "cloudbuild.googleapis.com", "run.googleapis.com", "monitoring.googleapis.com"] :
    contains(output.apis, a)]) && !contains(output.apis, "container.googleapis.com")
    error_message = "APIs: got ${jsonencode(output.apis)}"
  }
}

run "elasticsearch_and_gke" {
  command = apply

  variables {
    env                  = "prod"
    enable_elasticsearch = true
    enable_gke           = true
  }

  assert {
    condition = output.secret_ids == {
      BQ_PROJECT        = "blendpipe-prod-bq-project"
      ELASTICSEARCH_URL = "blendpipe-prod-elasticsearch-url"
      ES_API_KEY        = "blendpipe-prod-es-api-key"
    }
    error_message = "the Elasticsearch secrets: got ${jsonencode(output.secret_ids)}"
  }

  assert {
    condition     = contains(output.apis, "container.googleapis.com")
    error_message = "enable_gke needs the GKE API"
  }
}
