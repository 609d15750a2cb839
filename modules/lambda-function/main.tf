locals {
  # The two actions a function needs to write its logs, on its own log group
  # only: Lambda creates the group's streams itself.
  logging_statement = {
    Sid      = "WriteOwnLogs"
    Effect   = "Allow"
    Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    Resource = "${aws_cloudwatch_log_group.this.arn}:*"
  }

  # X-Ray accepts no narrower resource than `*` for these actions.
  tracing_statement = {
    Sid      = "WriteTraces"
    Effect   = "Allow"
    Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    Resource = "*"
  }

  passed_statements = [
    for statement in var.policy_statements : merge(
      {
        Sid      = statement.sid
        Effect   = "Allow"
        Action   = statement.actions
        Resource = statement.resources
      },
      length(statement.conditions) == 0 ? {} : { Condition = statement.conditions },
    )
  ]
}

################################################################################
# Functions
################################################################################

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_116:API Gateway invokes the function synchronously and gets its error back; a DLQ only receives failed asynchronous invocations.
  #checkov:skip=CKV_AWS_117:The function reaches only DynamoDB and the execute-api management API, both public AWS endpoints; a VPC would add NAT or endpoints and cold-start time for nothing private.
  #checkov:skip=CKV_AWS_272:The zip is built from source by archive_file at plan time and uploaded directly; code signing needs Signer-signed artifacts in S3.
  #checkov:skip=CKV_AWS_173:Lambda encrypts environment variables at rest with its AWS managed key; the module's variables hold a table name and a TTL, no secrets.
  #checkov:skip=CKV_AWS_50:X-Ray tracing is an input (lambda_tracing_mode), off by default because AWS bills every trace; examples/complete switches it on.
  function_name    = var.function_name
  description      = var.description
  role             = aws_iam_role.this.arn
  handler          = var.handler
  runtime          = var.runtime
  architectures    = [var.architecture]
  memory_size      = var.memory_size
  timeout          = var.timeout
  filename         = var.filename
  source_code_hash = var.source_code_hash
  layers           = var.layers

  reserved_concurrent_executions = var.reserved_concurrent_executions

  environment {
    variables = var.environment_variables
  }

  # Lambda filters by level only JSON logs; null levels leave Lambda's defaults.
  logging_config {
    log_format            = "JSON"
    log_group             = aws_cloudwatch_log_group.this.name
    application_log_level = var.application_log_level
    system_log_level      = var.system_log_level
  }

  # Always set: the provider keeps a function's mode when the block is left
  # out (optional and computed), so only PassThrough, Lambda's default,
  # switches Active tracing off again.
  tracing_config {
    mode = coalesce(var.tracing_mode, "PassThrough")
  }

  tags = var.tags

  # The log group must exist first, or Lambda creates one without retention
  # that Terraform then fails to create; the policy, so the first invocation
  # may already write its logs.
  depends_on = [aws_cloudwatch_log_group.this, aws_iam_role_policy.this]
}

################################################################################
# IAM
################################################################################

data "aws_region" "current" {}

resource "aws_iam_role" "this" {
  # IAM role names are account-wide, at most 64 characters and compared
  # without case, so the same function name in two regions (or a long one cut
  # short) must not give the same role name: the name as far as it fits, and
  # a hash of region and full name. The region is `region` in aws 6.x and
  # `name` in 5.x, which 6.x deprecates (as `id`); looked up in the whole
  # object, neither version warns.
  name = join("-", [
    substr(var.function_name, 0, 55),
    substr(sha1(join("/", [
      lookup(data.aws_region.current, "region", lookup(data.aws_region.current, "name", null)),
      var.function_name,
    ])), 0, 8),
  ])
  permissions_boundary = var.role_permissions_boundary_arn

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })

  tags = var.tags

  # A new name replaces the role: the function moves to the new one before
  # the old one goes, so it never runs without a role.
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_iam_role_policy" "this" {
  name = var.function_name
  role = aws_iam_role.this.id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [local.logging_statement],
      var.tracing_mode == null ? [] : [local.tracing_statement],
      local.passed_statements,
    )
  })
}

################################################################################
# Logging
################################################################################

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_338:Retention is an input (log_retention_in_days), 14 days by default; a year of handler logs is a cost the user opts into.
  name              = "/aws/lambda/${var.function_name}"
  retention_in_days = var.log_retention_in_days
  kms_key_id        = var.kms_key_arn

  tags = var.tags
}
