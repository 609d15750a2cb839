################################################################################
# API
################################################################################

output "api_id" {
  description = "Identifier of the WebSocket API."
  value       = aws_apigatewayv2_api.this.id
}

output "api_execution_arn" {
  description = "Execution ARN of the API, the prefix of its `execute-api` permissions."
  value       = aws_apigatewayv2_api.this.execution_arn
}

output "api_endpoint" {
  description = "The API's `wss://` endpoint as API Gateway reports it, without the stage; its DNS suffix is the partition's (`amazonaws.com.cn` in China)."
  value       = aws_apigatewayv2_api.this.api_endpoint
}

################################################################################
# Routes
################################################################################

output "route_ids" {
  description = "Identifiers of the routes, by route key."
  value       = { for key, route in aws_apigatewayv2_route.this : key => route.id }
}

output "authorizer_id" {
  description = "Identifier of the `$connect` Lambda authorizer, or `null` without one."
  value       = one(aws_apigatewayv2_authorizer.this[*].id)
}

################################################################################
# Stage
################################################################################

output "stage_name" {
  description = "Name of the stage."
  value       = aws_apigatewayv2_stage.this.name
}

output "stage_invoke_url" {
  description = "The `wss://` URL clients connect to."
  value       = aws_apigatewayv2_stage.this.invoke_url
}

output "stage_arn" {
  description = "ARN of the stage, for tagging and for policies on the stage's own settings."
  value       = aws_apigatewayv2_stage.this.arn
}

output "management_api_endpoint" {
  description = "Base URL of the stage's `@connections` API, for the functions' `MANAGEMENT_API_ENDPOINT` and a consumer's own senders: the API's endpoint with `https://` and the stage."
  # Built from the API and the input rather than the stage resource, for the
  # same reason as stage_execution_arn: the functions need it before the stage
  # (which waits for their routes) exists.
  value = "${replace(aws_apigatewayv2_api.this.api_endpoint, "wss://", "https://")}/${var.stage_name}"
}

output "stage_execution_arn" {
  description = "Execution ARN of the stage, the prefix of `execute-api:ManageConnections` permissions."
  # Built from the input rather than the stage resource: the functions' roles
  # need it before the stage (which waits for their routes) exists.
  value = "${aws_apigatewayv2_api.this.execution_arn}/${var.stage_name}"
}

################################################################################
# Logging
################################################################################

output "access_log_group_name" {
  description = "Name of the log group that receives the stage's JSON access logs, or `null` when `access_log_enabled` is `false`."
  value       = one(aws_cloudwatch_log_group.this[*].name)
}

output "access_log_group_arn" {
  description = "ARN of the log group that receives the stage's JSON access logs, or `null` when `access_log_enabled` is `false`."
  value       = one(aws_cloudwatch_log_group.this[*].arn)
}
