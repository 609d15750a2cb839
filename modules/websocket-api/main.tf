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

  throttled_routes = {
    for key, route in var.routes : key => route
    if route.throttling_burst_limit != null || route.throttling_rate_limit != null
  }
}

################################################################################
# API
################################################################################

resource "aws_apigatewayv2_api" "this" {
  name                       = var.name
  description                = var.description
  protocol_type              = "WEBSOCKET"
  route_selection_expression = var.route_selection_expression

  # With it on, clients reach the API through a custom domain name only ("Disable
  # the default endpoint for WebSocket APIs"); api_endpoint still reads execute-api.
  disable_execute_api_endpoint = var.disable_execute_api_endpoint

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
  #checkov:skip=CKV_AWS_309:AWS never lets $disconnect or $default (or any route but $connect) of a WebSocket API carry authorization: "You can only use a Lambda authorizer function for the $connect route" (API Gateway developer guide, Control access to WebSocket APIs with AWS Lambda REQUEST authorizers); $connect takes CUSTOM or AWS_IAM through connect_authorization.
  for_each = var.routes

  api_id    = aws_apigatewayv2_api.this.id
  route_key = each.key
  target    = "integrations/${aws_apigatewayv2_integration.this[each.key].id}"

  # NONE is left to the provider's default, so that routes planned before
  # authorization existed show no change.
  authorization_type = each.value.authorization_type == "NONE" ? null : each.value.authorization_type
  authorizer_id      = each.value.authorization_type == "CUSTOM" ? one(aws_apigatewayv2_authorizer.this[*].id) : null

  route_response_selection_expression = each.value.two_way_response ? "$default" : null

  lifecycle {
    precondition {
      condition     = each.value.authorization_type != "CUSTOM" || var.authorizer != null
      error_message = "Route ${each.key} has authorization_type CUSTOM but no authorizer is given."
    }
  }
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

# The stage deploys itself: with auto_deploy, API Gateway makes a new deployment
# after every change to the API, so after each apply the stage serves exactly
# the routes, integrations and route responses that exist.
#
# There is no aws_apigatewayv2_deployment. A deployment is a snapshot of the
# routes that exist when it is created ("Each stage is a snapshot of the API":
# API Gateway developer guide, "Deploy WebSocket APIs in API Gateway"). The
# provider's docs for aws_apigatewayv2_deployment prescribe triggers and
# create_before_destroy, so that a stage never points at a deleted deployment;
# Terraform then creates the new deployment before it destroys the routes the
# deployment depends on: a removed route stays in the snapshot, served by a
# deleted function, and the next plan is empty (pulumi/pulumi-aws#3683 and
# #3289). No triggers or ordering change that; auto_deploy does.
#
# auto_deploy works for WebSocket stages, although the provider's docs say
# "Applicable for HTTP APIs": the API Gateway v2 API (CreateStage and
# UpdateStage, `autoDeploy`) and CloudFormation (AWS::ApiGatewayV2::Stage,
# `AutoDeploy`) give it no protocol restriction, while they mark the fields
# that only WebSocket APIs support as such; the AWS CDK's WebSocketStage documents
# `autoDeploy` and its own WebSocket example sets `autoDeploy: true`; and
# hashicorp/terraform-provider-aws#17955 reports a WebSocket stage served once
# auto_deploy = true.
resource "aws_apigatewayv2_stage" "this" {
  #checkov:skip=CKV2_AWS_51:A stage client certificate authenticates API Gateway to HTTP backends; every integration here is a Lambda invoked under IAM with a source_arn-scoped permission.
  #checkov:skip=CKV_AWS_76:Access logs are an opt-in input (access_log_enabled): API Gateway refuses any stage logging until the region's account settings name a CloudWatch Logs role (modules/api-gateway-account), which is account-wide.
  api_id      = aws_apigatewayv2_api.this.id
  name        = var.stage_name
  auto_deploy = true

  default_route_settings {
    throttling_burst_limit = var.throttling_burst_limit
    throttling_rate_limit  = var.throttling_rate_limit
  }

  dynamic "access_log_settings" {
    for_each = aws_cloudwatch_log_group.this

    content {
      destination_arn = access_log_settings.value.arn
      format          = local.access_log_format
    }
  }

  # A route's own limits replace the stage's for that route. Both are always
  # set: the provider sends an unset one as 0, which rejects every request
  # (hashicorp/terraform-provider-aws#14742), so the stage's fills the gap.
  # The route_key comes from the route, so the stage waits for the routes that
  # its settings name, which API Gateway requires to exist.
  dynamic "route_settings" {
    for_each = local.throttled_routes

    content {
      route_key              = aws_apigatewayv2_route.this[route_settings.key].route_key
      throttling_burst_limit = coalesce(route_settings.value.throttling_burst_limit, var.throttling_burst_limit)
      throttling_rate_limit  = coalesce(route_settings.value.throttling_rate_limit, var.throttling_rate_limit)
    }
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

# Only with access logs on: a stage may log only once the region's account
# settings name a CloudWatch Logs role.
resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_338:Retention is an input (log_retention_in_days), 14 days by default; a year of access logs is a cost the user opts into.
  count = var.access_log_enabled ? 1 : 0

  name              = "/aws/apigateway/${var.name}/${var.stage_name}"
  retention_in_days = var.log_retention_in_days
  kms_key_id        = var.kms_key_arn

  tags = var.tags
}
