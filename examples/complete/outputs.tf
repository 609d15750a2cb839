output "stage_invoke_url" {
  description = "The `wss://` URL clients connect to."
  value       = module.websocket.stage_invoke_url
}

output "stage_connections_endpoint" {
  description = "The `https://` endpoint of the `@connections` management API."
  value       = module.websocket.stage_connections_endpoint
}

output "api_id" {
  description = "Identifier of the WebSocket API."
  value       = module.websocket.api_id
}

output "connections_table_name" {
  description = "Name of the DynamoDB table of open connections."
  value       = module.websocket.connections_table_name
}

output "function_names" {
  description = "Name of each route's Lambda function, by route key."
  value       = module.websocket.function_names
}

output "function_log_group_names" {
  description = "Name of each route's function log group, by route key."
  value       = module.websocket.function_log_group_names
}

output "access_log_group_name" {
  description = "Name of the log group of the stage's JSON access logs."
  value       = module.websocket.access_log_group_name
}
