################################################################################
# Connections table
################################################################################

output "table_name" {
  description = "Name of the table, for the functions' `CONNECTIONS_TABLE` environment variable."
  value       = aws_dynamodb_table.this.name
}

output "table_arn" {
  description = "ARN of the table, the resource of the functions' DynamoDB policy statements."
  value       = aws_dynamodb_table.this.arn
}

output "table_hash_key" {
  description = "Name of the partition key that holds the connection id."
  value       = aws_dynamodb_table.this.hash_key
}

output "table_ttl_attribute_name" {
  description = "Name of the attribute that holds each item's expiry time in epoch seconds."
  value       = var.ttl_attribute_name
}
