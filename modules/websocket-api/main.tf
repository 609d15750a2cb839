locals {
  # One JSON object per request, so that CloudWatch Logs Insights can query
  # the fields without parsing.
  access_log_format = jsonencode({
    requestId          = "$context.requestId"
    requestTime        = "$context.requestTime"
    eventType          = "$context.eventType"
    routeKey           = "$context.routeKey"
    connectionId       = "$context.connectionId"
    messageId          = "$context.messageId"
    sourceIp           = "$context.identity.sourceIp"
    status             = "$context.status"
    integrationStatus  = "$context.integration.status"
    integrationLatency = "$context.integration.latency"
    errorMessage       = "$context.error.message"
  })

  two_way_routes = { for key, route in var.routes : key => route if route.two_way_response }
}

################################################################################
# API
################################################################################

resource "aws_apigatewayv2_api" "this" {
  name                       = var.name
  description                = var.description
  protocol_type              = "WEBSOCKET"
  route_selection_expression = var.route_selection_expression

  tags = var.tags
}

################################################################################
# Routes
################################################################################

resource "aws_apigatewayv2_integration" "this" {
  for_each = var.routes

  api_id             = aws_apigatewayv2_api.this.id
  integration_type   = "AWS_PROXY"
  integration_method = "POST"
  integration_uri    = each.value.invoke_arn
}

resource "aws_apigatewayv2_route" "this" {
  #checkov:skip=CKV_AWS_309:A public endpoint by design, like API Gateway's own WebSocket samples; on a WebSocket API only $connect can take an authorizer, and this module has no authorizer input yet.
  for_each = var.routes

  api_id    = aws_apigatewayv2_api.this.id
  route_key = each.key
  target    = "integrations/${aws_apigatewayv2_integration.this[each.key].id}"

  route_response_selection_expression = each.value.two_way_response ? "$default" : null
}

# A two-way route sends the function's response body back to the client.
resource "aws_apigatewayv2_route_response" "this" {
  for_each = local.two_way_routes

  api_id             = aws_apigatewayv2_api.this.id
  route_id           = aws_apigatewayv2_route.this[each.key].id
  route_response_key = "$default"
}

################################################################################
# Stage
################################################################################

# A stage serves the deployment it points at, not the API's current routes:
# the triggers make any route or integration change create a new deployment.
resource "aws_apigatewayv2_deployment" "this" {
  api_id      = aws_apigatewayv2_api.this.id
  description = "Routes: ${join(", ", sort(keys(var.routes)))}"

  triggers = {
    redeployment = sha1(jsonencode([
      aws_apigatewayv2_integration.this,
      aws_apigatewayv2_route.this,
      aws_apigatewayv2_route_response.this,
    ]))
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_apigatewayv2_stage" "this" {
  #checkov:skip=CKV2_AWS_51:A stage client certificate authenticates API Gateway to HTTP backends; every integration here is a Lambda invoked under IAM with a source_arn-scoped permission.
  api_id        = aws_apigatewayv2_api.this.id
  name          = var.stage_name
  deployment_id = aws_apigatewayv2_deployment.this.id

  default_route_settings {
    throttling_burst_limit = var.throttling_burst_limit
    throttling_rate_limit  = var.throttling_rate_limit
  }

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.this.arn
    format          = local.access_log_format
  }

  tags = var.tags
}

################################################################################
# IAM
################################################################################

# Each function may be invoked by this API only, on its own stage and route.
resource "aws_lambda_permission" "this" {
  for_each = var.routes

  statement_id  = "AllowInvokeFromApiGateway"
  action        = "lambda:InvokeFunction"
  function_name = each.value.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.this.execution_arn}/${var.stage_name}/${each.key}"
}

################################################################################
# Logging
################################################################################

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_338:Retention is an input (log_retention_in_days), 14 days by default; a year of access logs is a cost the user opts into.
  name              = "/aws/apigateway/${var.name}/${var.stage_name}"
  retention_in_days = var.log_retention_in_days
  kms_key_id        = var.kms_key_arn

  tags = var.tags
}
