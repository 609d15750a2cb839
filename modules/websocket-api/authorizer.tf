################################################################################
# Routes: the $connect authorizer
################################################################################

locals {
  # The API's partition and region, from its execution ARN
  # (arn:<partition>:execute-api:<region>:<account>:<api id>).
  api_arn_parts = split(":", aws_apigatewayv2_api.this.execution_arn)
}

# A Lambda REQUEST authorizer of a WebSocket API. Left unset, as API Gateway
# refuses or ignores them for WebSocket APIs (API Gateway API reference,
# CreateAuthorizer): authorizer_result_ttl_in_seconds ("Supported only for HTTP
# API Lambda authorizers": a WebSocket authorizer runs on every connect, and the
# provider sends no default for it outside HTTP APIs, authorizer.go),
# enable_simple_responses and authorizer_payload_format_version (HTTP APIs
# only: a WebSocket authorizer must return an IAM policy). Identity sources
# that are missing or empty in a request get a 401 without the function being
# invoked.
resource "aws_apigatewayv2_authorizer" "this" {
  count = var.authorizer == null ? 0 : 1

  api_id           = aws_apigatewayv2_api.this.id
  name             = var.authorizer.name
  authorizer_type  = "REQUEST"
  authorizer_uri   = "arn:${local.api_arn_parts[1]}:apigateway:${local.api_arn_parts[3]}:lambda:path/2015-03-31/functions/${var.authorizer.function_arn}/invocations"
  identity_sources = var.authorizer.identity_sources

  lifecycle {
    precondition {
      condition     = contains([for route in values(var.routes) : route.authorization_type], "CUSTOM")
      error_message = "An authorizer is given but no route has authorization_type CUSTOM: give $connect authorization_type CUSTOM, or leave authorizer null."
    }
  }
}

# API Gateway may invoke the function as this authorizer only: the source ARN
# is the authorizer's own (<execution arn>/authorizers/<id>), not a route's.
resource "aws_lambda_permission" "authorizer" {
  count = var.authorizer == null ? 0 : 1

  statement_id  = "AllowInvokeAsConnectAuthorizer"
  action        = "lambda:InvokeFunction"
  function_name = var.authorizer.function_arn
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.this.execution_arn}/authorizers/${aws_apigatewayv2_authorizer.this[0].id}"
}
