################################################################################
# API
################################################################################

output "api_id" {
  description = "Identifier of the WebSocket API, as API Gateway's console and CLI show it."
  value       = module.api.api_id
}

output "api_execution_arn" {
  description = "Execution ARN of the API, the prefix for further `execute-api` permissions."
  value       = module.api.api_execution_arn
}

################################################################################
# Routes
################################################################################

output "route_handlers" {
  description = "Python handler of each route, by route key: what the deployed API runs."
  value       = { for key, route in local.routes : key => route.handler }
}

################################################################################
# Stage
################################################################################

output "stage_name" {
  description = "Name of the deployed stage."
  value       = module.api.stage_name
}

output "stage_invoke_url" {
  description = "The `wss://` URL clients connect to."
  value       = module.api.stage_invoke_url
}

output "stage_connections_endpoint" {
  description = "The `https://` endpoint of the `@connections` management API, for a backend that sends to clients (boto3 `apigatewaymanagementapi` `endpoint_url`)."
  # The same host and stage as the wss:// URL; no region lookup needed, whose
  # attribute differs between AWS provider 5.x and 6.x.
  value = replace(module.api.stage_invoke_url, "/^wss:/", "https:")
}

################################################################################
# Connections table
################################################################################

output "connections_table_name" {
  description = "Name of the DynamoDB table of open connections."
  value       = module.connections_table.table_name
}

output "connections_table_arn" {
  description = "ARN of the DynamoDB table of open connections, for the policies of other readers."
  value       = module.connections_table.table_arn
}

################################################################################
# Functions
################################################################################

output "function_names" {
  description = "Name of each route's Lambda function, by route key, for logs and `aws lambda invoke`."
  value       = { for key, function in module.functions : key => function.function_name }
}

output "function_arns" {
  description = "ARN of each route's Lambda function, by route key."
  value       = { for key, function in module.functions : key => function.function_arn }
}

################################################################################
# IAM
################################################################################

output "function_role_arns" {
  description = "ARN of each route's execution role, by route key, to attach further policies to."
  value       = { for key, function in module.functions : key => function.role_arn }
}

################################################################################
# Logging
################################################################################

output "function_log_group_names" {
  description = "Name of each route's function log group, by route key."
  value       = { for key, function in module.functions : key => function.log_group_name }
}

output "access_log_group_name" {
  description = "Name of the log group of the stage's JSON access logs."
  value       = module.api.access_log_group_name
}
