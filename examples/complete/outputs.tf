output "stage_invoke_url" {
  description = "The stage's `wss://` URL on API Gateway's own endpoint, which this example turns off: clients use `domain_name_invoke_url`."
  value       = module.websocket.stage_invoke_url
}

output "domain_name_invoke_url" {
  description = "The `wss://` URL clients connect to, on the custom domain (the only way in: the execute-api endpoint is off)."
  value       = module.websocket.domain_name_invoke_url
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

output "alarm_arns" {
  description = "ARN of each alarm, by what it watches."
  value       = module.websocket.alarm_arns
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard of the API, its functions and its sends."
  value       = module.websocket.dashboard_name
}

output "connect_authorizer_function_name" {
  description = "Name of the `$connect` authorizer function, for its logs."
  value       = module.websocket.connect_authorizer_function_name
}

output "token_secret_key_arn" {
  description = "ARN of the KMS key to create the token secret parameter with (`aws ssm put-parameter --key-id`)."
  value       = aws_kms_key.token_secret.arn
}
