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
    for statement in var.policy_statements : {
      Sid      = statement.sid
      Effect   = "Allow"
      Action   = statement.actions
      Resource = statement.resources
    }
  ]
}

################################################################################
# Functions
################################################################################

resource "aws_lambda_function" "this" {
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

  reserved_concurrent_executions = var.reserved_concurrent_executions

  environment {
    variables = var.environment_variables
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.this.name
  }

  dynamic "tracing_config" {
    for_each = var.tracing_mode[*]

    content {
      mode = tracing_config.value
    }
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

resource "aws_iam_role" "this" {
  name                 = var.function_name
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
  name              = "/aws/lambda/${var.function_name}"
  retention_in_days = var.log_retention_in_days
  kms_key_id        = var.kms_key_arn

  tags = var.tags
}
