provider "aws" {
  region = "eu-west-1"

  default_tags {
    tags = {
      Example = "terraform-aws-websocket/complete"
    }
  }
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
      environment      = { LOG_LEVEL = "DEBUG" }
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

  lambda_runtime              = "python3.13"
  lambda_architecture         = "arm64"
  lambda_memory_size          = 256
  lambda_timeout              = 10
  lambda_environment          = { LOG_LEVEL = "INFO" }
  lambda_reserved_concurrency = 50
  lambda_tracing_mode         = "Active"

  log_retention_in_days = 30

  tags = {
    Project     = "websocket"
    Environment = "prod"
  }
}
