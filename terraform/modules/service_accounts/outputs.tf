output "emails" {
  description = "Account key (validate, blend, metasync, preview, trigger, worker, batch) => email."
  value       = { for k, sa in google_service_account.sa : k => sa.email }
}

output "members" {
  description = "Account key => IAM member (serviceAccount:EMAIL)."
  value       = { for k, sa in google_service_account.sa : k => sa.member }
}

# Every grant as "ROLE on KIND:TARGET", per account, read back from the IAM
# resources: what the tests hold against the least-privilege table above.
output "grants" {
  description = "Account key => sorted list of \"ROLE on KIND:TARGET[ if CONDITION]\" for every grant this module makes."
  value = {
    for k, sa in google_service_account.sa : k => sort(concat(
      [for m in google_storage_bucket_iam_member.object : "${m.role} on bucket:${m.bucket}${length(m.condition) > 0 ? " if ${m.condition[0].title}" : ""}" if m.member == sa.member],
      [for m in google_bigquery_dataset_iam_member.dataset : "${m.role} on dataset:${m.dataset_id}" if m.member == sa.member],
      [for m in google_project_iam_member.project : "${m.role} on project:${m.project}" if m.member == sa.member],
      [for m in google_secret_manager_secret_iam_member.secret : "${m.role} on secret:${m.secret_id}" if m.member == sa.member],
      [for m in google_secret_manager_secret_iam_member.metrics_config : "${m.role} on secret:${m.secret_id}" if m.member == sa.member],
      [for m in google_service_account_iam_member.blend_signs_as_itself[*] : "${m.role} on serviceAccount:self" if m.member == sa.member],
    ))
  }
}

output "bucket_conditions" {
  description = "Bucket grant (ACCOUNT/BUCKET/ROLE) => the CEL condition on object names it carries, \"\" for none."
  value       = { for k, m in google_storage_bucket_iam_member.object : k => length(m.condition) > 0 ? m.condition[0].expression : "" }
}
