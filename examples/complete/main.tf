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

  # Alarms on every function's errors and throttles, the API's integration
  # and execution errors, the table's throttled reads and writes and the failed
  # sends of $default and echo, told to the topic below when they fire and
  # when they recover; the handlers publish their sends under this namespace.
  metrics_namespace        = "WebSocketComplete"
  alarm_actions            = [aws_sns_topic.alarms.arn]
  alarm_ok_actions_enabled = true
  alarm_thresholds = {
    function_errors        = 1
    function_throttles     = 1
    api_integration_errors = 10
    api_execution_errors   = 1
    table_throttle_events  = 5
    failed_sends           = 3
  }
  alarm_period             = 300
  alarm_evaluation_periods = 1
  create_dashboard         = true

  # Only clients with a signed token may connect: the example authorizer
  # checks the HMAC-SHA256 token in ?token=... against the secret in the SSM
  # parameter named here (created outside Terraform, so that its value never
  # lands in the state; see README.md), encrypted with the key below, and
  # denies tokens minted for another API or stage (AUTHORIZER_AUDIENCE).
  connect_authorization = {
    type               = "CUSTOM"
    handler            = "websocket_handlers.authorizer.handler"
    identity_sources   = ["route.request.querystring.token"]
    environment        = { AUTHORIZER_AUDIENCE = "${module.websocket.api_id}/prod" }
    secret_arn         = "arn:${data.aws_partition.current.partition}:ssm:eu-west-1:${data.aws_caller_identity.current.account_id}:parameter/websocket-complete/token-secret"
    secret_kms_key_arn = aws_kms_key.token_secret.arn
  }

  # Clients connect to wss://<domain_name>/v1 only: a custom domain on the
  # certificate below (in the API's region, as a Regional domain needs), its
  # alias record in the zone, the stage mapped under /v1, and API Gateway's
  # execute-api endpoint off, so the functions' @connections calls go through
  # https://<domain_name>/v1 too.
  domain_name                  = var.domain_name
  domain_name_certificate_arn  = aws_acm_certificate_validation.websocket.certificate_arn
  domain_name_hosted_zone_id   = var.hosted_zone_id
  api_mapping_key              = "v1"
  disable_execute_api_endpoint = true

  tags = {
    Project     = "websocket"
    Environment = "prod"
  }
}

# Where the alarms go: subscribe an e-mail address or a chat integration to it.
# CloudWatch publishes to an encrypted topic only with a customer managed key
# whose policy lets cloudwatch.amazonaws.com use it; the AWS managed key for
# SNS cannot be given that (Amazon SNS developer guide, "Enable compatibility
# between event sources from AWS services and encrypted topics",
# https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services).
resource "aws_sns_topic" "alarms" {
  name              = "websocket-complete-alarms"
  kms_master_key_id = aws_kms_key.alarms.arn
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

resource "aws_kms_key" "alarms" {
  description             = "Encrypts the websocket-complete alarm topic"
  enable_key_rotation     = true
  deletion_window_in_days = 7

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministersTheKey"
        Effect    = "Allow"
        Principal = { AWS = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "CloudWatchPublishesAlarms"
        Effect    = "Allow"
        Principal = { Service = "cloudwatch.amazonaws.com" }
        Action    = ["kms:Decrypt", "kms:GenerateDataKey*"]
        Resource  = "*"
        Condition = { StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id } }
      },
    ]
  })
}

# Encrypts the authorizer's token secret, a SecureString parameter created with
# `aws ssm put-parameter --key-id` (README.md); the module grants the
# authorizer's role kms:Decrypt on it through SSM only.
resource "aws_kms_key" "token_secret" {
  description             = "Encrypts the websocket-complete token signing secret"
  enable_key_rotation     = true
  deletion_window_in_days = 7

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "AccountAdministersTheKey"
      Effect    = "Allow"
      Principal = { AWS = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root" }
      Action    = "kms:*"
      Resource  = "*"
    }]
  })
}


# The custom domain's certificate, issued by ACM in the provider's region (the
# API's), once the DNS record ACM asks for exists in the zone (ACM User Guide,
# "AWS Certificate Manager DNS validation"; the aws_acm_certificate_validation
# docs' DNS example). Replaced before destroyed, so the domain never lacks one.
resource "aws_acm_certificate" "websocket" {
  domain_name       = var.domain_name
  validation_method = "DNS"

  options {
    certificate_transparency_logging_preference = "ENABLED"
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_route53_record" "certificate_validation" {
  for_each = {
    for option in aws_acm_certificate.websocket.domain_validation_options : option.domain_name => option
  }

  zone_id         = var.hosted_zone_id
  name            = each.value.resource_record_name
  type            = each.value.resource_record_type
  records         = [each.value.resource_record_value]
  ttl             = 300
  allow_overwrite = true
}

resource "aws_acm_certificate_validation" "websocket" {
  certificate_arn         = aws_acm_certificate.websocket.arn
  validation_record_fqdns = [for record in aws_route53_record.certificate_validation : record.fqdn]
}
