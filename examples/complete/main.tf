provider "aws" {
  region = "eu-west-1"

  default_tags {
    tags = {
      Example = "terraform-aws-websocket/complete"
    }
  }
}

# The region's API Gateway CloudWatch Logs role, which access logs need. It is
# region-wide: in an account with several stacks, apply it once, on its own
# (modules/api-gateway-account/README.md); here it comes along so that the
# example applies in a new account.
module "api_gateway_account" {
  source = "../../modules/api-gateway-account"
}

module "websocket" {
  source = "../../"

  name                       = "websocket-complete"
  route_selection_expression = "$request.body.action"

  # An extra two-way route, selected by {"action": "echo", ...}: the client
  # gets its message back, then the handler's {"message": "Sent"} as an
  # acknowledgement.
  routes = {
    echo = {
      handler          = "websocket_handlers.echo.handler"
      memory_size      = 256
      timeout          = 5
      two_way_response = true
      dynamodb_actions = ["dynamodb:DeleteItem"]

      manage_connections = true
    }
  }

  stage_name             = "prod"
  throttling_burst_limit = 200
  throttling_rate_limit  = 100

  connection_ttl_seconds         = 7200
  point_in_time_recovery_enabled = true
  deletion_protection_enabled    = true

  lambda_runtime      = "python3.13"
  lambda_architecture = "arm64"
  lambda_memory_size  = 256
  lambda_timeout      = 10
  lambda_tracing_mode = "Active"

  # Lambda keeps only log lines at these levels or above (JSON logs): the
  # handlers' from INFO, its own from WARN.
  lambda_application_log_level = "INFO"
  lambda_system_log_level      = "WARN"

  # No lambda_reserved_concurrency: Lambda keeps 100 executions of the
  # account's quota unreserved, and a new account's quota may be 10, so any
  # reservation fails there. Set it where the quota allows (Service Quotas,
  # "Concurrent executions").

  # Always true; taken from the account module so that Terraform creates the
  # stage only once the region's CloudWatch Logs role is set.
  access_log_enabled    = module.api_gateway_account.cloudwatch_logging_enabled
  log_retention_in_days = 30

  tags = {
    Project     = "websocket"
    Environment = "prod"
  }
}
