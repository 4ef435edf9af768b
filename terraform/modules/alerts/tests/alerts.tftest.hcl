# The alert policies, planned against a mocked Google provider.

mock_provider "google" {}

variables {
  project_id            = "test-project"
  region                = "europe-west1"
  name_prefix           = "blendpipe-dev"
  services              = { validate = "blendpipe-dev-validate", blend = "blendpipe-dev-blend", metasync = "blendpipe-dev-metasync" }
  buckets               = ["test-project-blendpipe-dev-uploads", "test-project-blendpipe-dev-library"]
  notification_channels = ["projects/test-project/notificationChannels/123"]
}

run "guide_alerts" {
  command = apply

  assert {
    condition     = sort(keys(output.policies)) == sort(["cloud_run_errors", "blend_latency", "gcs_errors", "instance_restarts", "eventarc_delivery_failures", "dead_lettered_events"])
    error_message = "one policy per alert of the guide; got ${jsonencode(keys(output.policies))}"
  }

  assert {
    condition = alltrue([for p in [
      google_monitoring_alert_policy.cloud_run_errors, google_monitoring_alert_policy.blend_latency, google_monitoring_alert_policy.gcs_errors,
      google_monitoring_alert_policy.instance_restarts, google_monitoring_alert_policy.eventarc_delivery_failures, google_monitoring_alert_policy.dead_lettered_events,
    ] : length(p.notification_channels) == 1 && contains(p.notification_channels, "projects/test-project/notificationChannels/123")])
    error_message = "every policy notifies the channels given"
  }

  assert {
    condition = (strcontains(google_monitoring_alert_policy.cloud_run_errors.conditions[0].condition_threshold[0].filter, "run.googleapis.com/request_count") &&
      strcontains(google_monitoring_alert_policy.cloud_run_errors.conditions[0].condition_threshold[0].filter, "response_code_class = \"5xx\"") &&
      strcontains(google_monitoring_alert_policy.cloud_run_errors.conditions[0].condition_threshold[0].filter, "\"blendpipe-dev-metasync\"") &&
    google_monitoring_alert_policy.cloud_run_errors.conditions[0].condition_threshold[0].threshold_value == 0.05)
    error_message = "the error rate is 5xx over all requests of the three services"
  }

  assert {
    condition = (strcontains(google_monitoring_alert_policy.blend_latency.conditions[0].condition_threshold[0].filter, "run.googleapis.com/request_latencies") &&
      strcontains(google_monitoring_alert_policy.blend_latency.conditions[0].condition_threshold[0].filter, "service_name = \"blendpipe-dev-blend\"") &&
      google_monitoring_alert_policy.blend_latency.conditions[0].condition_threshold[0].aggregations[0].cross_series_reducer == "REDUCE_PERCENTILE_95" &&
    google_monitoring_alert_policy.blend_latency.conditions[0].condition_threshold[0].threshold_value == 5000)
    error_message = "blend latency is the p95 of the blend service, in ms"
  }

  assert {
    condition     = strcontains(google_monitoring_alert_policy.gcs_errors.conditions[0].condition_threshold[0].filter, "storage.googleapis.com/api/request_count") && strcontains(google_monitoring_alert_policy.gcs_errors.conditions[0].condition_threshold[0].filter, "\"test-project-blendpipe-dev-library\"")
    error_message = "the GCS error rate is measured on the pipeline's buckets"
  }

  assert {
    condition     = strcontains(google_monitoring_alert_policy.instance_restarts.conditions[0].condition_matched_log[0].filter, "run.googleapis.com/varlog/system") && google_monitoring_alert_policy.instance_restarts.alert_strategy[0].notification_rate_limit[0].period == "300s"
    error_message = "crashes are read from Cloud Run's system log, with a notification rate limit"
  }

  assert {
    condition = (strcontains(google_monitoring_alert_policy.eventarc_delivery_failures.conditions[0].condition_threshold[0].filter, "pubsub.googleapis.com/subscription/push_request_count") &&
    strcontains(google_monitoring_alert_policy.eventarc_delivery_failures.conditions[0].condition_threshold[0].filter, "starts_with(\"eventarc-europe-west1-blendpipe-dev-\")"))
    error_message = "Eventarc delivery failures are the non-ack pushes of the triggers' subscriptions"
  }

  assert {
    condition = (length(google_monitoring_alert_policy.dead_lettered_events.conditions) == 2 &&
      strcontains(google_monitoring_alert_policy.dead_lettered_events.conditions[0].condition_threshold[0].filter, "subscription/dead_letter_message_count") &&
    strcontains(google_monitoring_alert_policy.dead_lettered_events.conditions[1].condition_threshold[0].filter, "subscription/oldest_unacked_message_age"))
    error_message = "dead-lettered events, and events about to be dropped"
  }

  assert {
    condition     = length(google_monitoring_alert_policy.service_metrics) == 0
    error_message = "no policies on the services' own metrics unless they are collected"
  }
}

run "service_metrics_when_collected" {
  command = plan

  variables {
    prometheus_metrics = true
  }

  assert {
    condition     = length(google_monitoring_alert_policy.service_metrics) == 4 && strcontains(google_monitoring_alert_policy.service_metrics["blend_p95"].conditions[0].condition_prometheus_query_language[0].query, "blend_duration_seconds_bucket")
    error_message = "PromQL policies on the services' metrics"
  }
}

run "blend_service_required" {
  command = plan

  variables {
    services = { validate = "v" }
  }

  expect_failures = [var.services]
}
