output "secret_ids" {
  description = "Environment variable name => secret id (short name)."
  value       = { for k, s in google_secret_manager_secret.secret : k => s.secret_id }
}

output "secret_names" {
  description = "Environment variable name => full resource name (projects/P/secrets/S)."
  value       = { for k, s in google_secret_manager_secret.secret : k => s.id }
}
