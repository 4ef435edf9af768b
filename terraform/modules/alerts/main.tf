# Cloud Monitoring alert policies for the Cloud Run path: the deployment
# guide's alerts (high error rates, high blend latency, crash looping) on the
# built-in metrics of Cloud Run, Cloud Storage and Pub/Sub (which carries
# Eventarc's deliveries), and, when the services' /metrics are collected
# (var.prometheus_metrics), PromQL policies on their own metrics. The
# Kubernetes path has the same alerts as Prometheus rules
# (terraform/k8s/base/alert-rules.yml).

locals {
  service_names = join(", ", [for s in values(var.services) : "\"${s}\""])
  bucket_names  = join(", ", [for b in var.buckets : "\"${b}\""])
  # Eventarc names each trigger's subscription eventarc-REGION-TRIGGER-sub-N.
  eventarc_subscriptions = "resource.labels.subscription_id = starts_with(\"eventarc-${var.region}-${var.name_prefix}-\")"

  # The services' own metrics (internal/metrics), in PromQL; a Go test
  # checks that every metric named here is exported.
  promql = {
    gcs_error_rate = "sum(rate(gcs_api_errors_total{code!~\"304|404|412|not_found|precondition_failed|canceled|unsupported\"}[5m])) / sum(rate(gcs_api_duration_seconds_count[5m])) > ${var.gcs_error_rate}"
    blend_p95      = "histogram_quantile(0.95, sum by (le) (rate(blend_duration_seconds_bucket[5m]))) > ${var.blend_latency_p95_seconds}"
    breaker_open   = "max by (dependency) (circuit_breaker_state) == 2"
    sync_errors    = "sum(rate(metadata_sync_total{result=\"error\"}[10m])) > 0"
  }

  documentation = "See docs/operations.md, \"Alerts\" and \"Troubleshooting\"."
}

resource "google_monitoring_alert_policy" "cloud_run_errors" {
  project               = var.project_id
  display_name          = "${var.name_prefix}: Cloud Run 5xx rate above ${var.error_rate * 100}%"
  combiner              = "OR"
  notification_channels = var.notification_channels
  user_labels           = var.labels

  conditions {
    display_name = "5xx answers over all answers, per service"
    condition_threshold {
      filter             = "resource.type = \"cloud_run_revision\" AND metric.type = \"run.googleapis.com/request_count\" AND metric.labels.response_code_class = \"5xx\" AND resource.labels.service_name = one_of(${local.service_names})"
      denominator_filter = "resource.type = \"cloud_run_revision\" AND metric.type = \"run.googleapis.com/request_count\" AND resource.labels.service_name = one_of(${local.service_names})"
      comparison         = "COMPARISON_GT"
      threshold_value    = var.error_rate
      duration           = "300s"
      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_RATE"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["resource.labels.service_name"]
      }
      denominator_aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_RATE"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["resource.labels.service_name"]
      }
    }
  }

  documentation {
    content   = "A service answers more than ${var.error_rate * 100}% of its requests with 5xx: Eventarc redelivers them, callers of the blend API see errors. ${local.documentation}"
    mime_type = "text/markdown"
  }
}

resource "google_monitoring_alert_policy" "blend_latency" {
  project               = var.project_id
  display_name          = "${var.name_prefix}: blend p95 latency above ${var.blend_latency_p95_seconds} s"
  combiner              = "OR"
  notification_channels = var.notification_channels
  user_labels           = var.labels

  conditions {
    display_name = "95th percentile of the blend service's request latency"
    condition_threshold {
      filter          = "resource.type = \"cloud_run_revision\" AND metric.type = \"run.googleapis.com/request_latencies\" AND resource.labels.service_name = \"${var.services["blend"]}\""
      comparison      = "COMPARISON_GT"
      threshold_value = var.blend_latency_p95_seconds * 1000 # the metric is in ms
      duration        = "600s"
      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_DELTA"
        cross_series_reducer = "REDUCE_PERCENTILE_95"
        group_by_fields      = ["resource.labels.service_name"]
      }
    }
  }

  documentation {
    content   = "Blend requests are slow: look at the sources' sizes, the instance count against max_instances, and the gcs and bigquery breakers in /health. ${local.documentation}"
    mime_type = "text/markdown"
  }
}

resource "google_monitoring_alert_policy" "gcs_errors" {
  project               = var.project_id
  display_name          = "${var.name_prefix}: Cloud Storage error rate above ${var.gcs_error_rate * 100}%"
  combiner              = "OR"
  notification_channels = var.notification_channels
  user_labels           = var.labels

  conditions {
    display_name = "Server-side failures over all API calls on the pipeline's buckets"
    condition_threshold {
      filter             = "resource.type = \"gcs_bucket\" AND metric.type = \"storage.googleapis.com/api/request_count\" AND resource.labels.bucket_name = one_of(${local.bucket_names}) AND metric.labels.response_code = one_of(\"INTERNAL\", \"UNAVAILABLE\", \"DEADLINE_EXCEEDED\", \"RESOURCE_EXHAUSTED\", \"UNKNOWN\")"
      denominator_filter = "resource.type = \"gcs_bucket\" AND metric.type = \"storage.googleapis.com/api/request_count\" AND resource.labels.bucket_name = one_of(${local.bucket_names})"
      comparison         = "COMPARISON_GT"
      threshold_value    = var.gcs_error_rate
      duration           = "300s"
      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_RATE"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["resource.labels.bucket_name"]
      }
      denominator_aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_RATE"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["resource.labels.bucket_name"]
      }
    }
  }

  documentation {
    content   = "Cloud Storage fails calls on the uploads or library bucket; the services retry and then open their gcs breaker. ${local.documentation}"
    mime_type = "text/markdown"
  }
}

# Cloud Run has no restart counter: a container that exits, runs out of
# memory or fails its start-up probe says so in the system log.
resource "google_monitoring_alert_policy" "instance_restarts" {
  project               = var.project_id
  display_name          = "${var.name_prefix}: Cloud Run instances crashing"
  combiner              = "OR"
  notification_channels = var.notification_channels
  user_labels           = var.labels

  conditions {
    display_name = "Container exit, out of memory or failed start-up in the system log"
    condition_matched_log {
      filter = "resource.type = \"cloud_run_revision\" AND resource.labels.service_name = (${join(" OR ", [for s in values(var.services) : "\"${s}\""])}) AND log_id(\"run.googleapis.com/varlog/system\") AND (textPayload:\"Container called exit\" OR textPayload:\"Memory limit of\" OR textPayload:\"Container terminated on signal\" OR textPayload:\"probe failed\")"
      label_extractors = {
        service = "EXTRACT(resource.labels.service_name)"
      }
    }
  }

  alert_strategy {
    notification_rate_limit {
      period = "300s"
    }
    auto_close = "1800s"
  }

  documentation {
    content   = "An instance of $${log.extracted_label.service} crashed or failed to start: read the revision's logs; configuration errors (a *VarError naming the variable) stop a service at start. ${local.documentation}"
    mime_type = "text/markdown"
  }
}

resource "google_monitoring_alert_policy" "eventarc_delivery_failures" {
  project               = var.project_id
  display_name          = "${var.name_prefix}: Eventarc deliveries failing"
  combiner              = "OR"
  notification_channels = var.notification_channels
  user_labels           = var.labels

  conditions {
    display_name = "Push deliveries to the services not acknowledged"
    condition_threshold {
      filter          = "resource.type = \"pubsub_subscription\" AND metric.type = \"pubsub.googleapis.com/subscription/push_request_count\" AND metric.labels.response_class != \"ack\" AND ${local.eventarc_subscriptions}"
      comparison      = "COMPARISON_GT"
      threshold_value = var.eventarc_failures_per_minute / 60
      duration        = "600s"
      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_RATE"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["resource.labels.subscription_id"]
      }
    }
  }

  documentation {
    content   = "Eventarc keeps redelivering storage events the services refuse (5xx, timeouts, 403 from a missing run.invoker grant). ${local.documentation}"
    mime_type = "text/markdown"
  }
}

resource "google_monitoring_alert_policy" "dead_lettered_events" {
  project               = var.project_id
  display_name          = "${var.name_prefix}: storage events dead-lettered or about to be dropped"
  combiner              = "OR"
  notification_channels = var.notification_channels
  user_labels           = var.labels

  conditions {
    display_name = "Events forwarded to a dead-letter topic"
    condition_threshold {
      filter          = "resource.type = \"pubsub_subscription\" AND metric.type = \"pubsub.googleapis.com/subscription/dead_letter_message_count\" AND ${local.eventarc_subscriptions}"
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_DELTA"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["resource.labels.subscription_id"]
      }
    }
  }

  conditions {
    display_name = "Oldest undelivered event older than ${var.event_max_age_seconds} s"
    condition_threshold {
      filter          = "resource.type = \"pubsub_subscription\" AND metric.type = \"pubsub.googleapis.com/subscription/oldest_unacked_message_age\" AND ${local.eventarc_subscriptions}"
      comparison      = "COMPARISON_GT"
      threshold_value = var.event_max_age_seconds
      duration        = "300s"
      aggregations {
        alignment_period   = "300s"
        per_series_aligner = "ALIGN_MAX"
      }
    }
  }

  documentation {
    content   = "Storage events were given up on, or will be: the objects they announce are missing from the catalog (run `blendpipe resync`) or were never validated (copy them again, docs/operations.md). ${local.documentation}"
    mime_type = "text/markdown"
  }
}

resource "google_monitoring_alert_policy" "service_metrics" {
  for_each = var.prometheus_metrics ? local.promql : {}

  project               = var.project_id
  display_name          = "${var.name_prefix}: ${replace(each.key, "_", " ")} (service metrics)"
  combiner              = "OR"
  notification_channels = var.notification_channels
  user_labels           = var.labels

  conditions {
    display_name = each.key
    condition_prometheus_query_language {
      query    = each.value
      duration = "300s"
    }
  }

  documentation {
    content   = "From the services' own /metrics (internal/metrics). ${local.documentation}"
    mime_type = "text/markdown"
  }
}
