# Alert policies of the Cloud Run path (docs/operations.md, "Alerts").
module "alerts" {
  source = "../alerts"

  project_id            = var.project_id
  region                = var.region
  name_prefix           = local.prefix
  services              = { for k, s in module.service : k => s.name }
  buckets               = [module.buckets.uploads_bucket, module.buckets.library_bucket]
  notification_channels = var.alert_notification_channels
  prometheus_metrics    = coalesce(var.alert_on_service_metrics, var.collect_service_metrics)
  labels                = local.labels

  depends_on = [module.apis]
}

output "alert_policies" {
  description = "Alert => Cloud Monitoring policy resource name."
  value       = module.alerts.policies
}
