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

################################################################################
# Routes
################################################################################

output "route_ids" {
  description = "Identifiers of the routes, by route key."
  value       = { for key, route in aws_apigatewayv2_route.this : key => route.id }
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
  description = "Name of the log group that receives the stage's JSON access logs."
  value       = aws_cloudwatch_log_group.this.name
}
