output "policies" {
  description = "Alert => policy resource name."
  value = merge({
    cloud_run_errors           = google_monitoring_alert_policy.cloud_run_errors.name
    blend_latency              = google_monitoring_alert_policy.blend_latency.name
    gcs_errors                 = google_monitoring_alert_policy.gcs_errors.name
    instance_restarts          = google_monitoring_alert_policy.instance_restarts.name
    eventarc_delivery_failures = google_monitoring_alert_policy.eventarc_delivery_failures.name
    dead_lettered_events       = google_monitoring_alert_policy.dead_lettered_events.name
  }, { for k, p in google_monitoring_alert_policy.service_metrics : "service_${k}" => p.name })
}
