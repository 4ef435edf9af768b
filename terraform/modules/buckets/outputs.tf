output "uploads_bucket" {
  description = "Uploads bucket name."
  value       = google_storage_bucket.bucket["uploads"].name
}

output "library_bucket" {
  description = "Library bucket name."
  value       = google_storage_bucket.bucket["library"].name
}
