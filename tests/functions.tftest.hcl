# Each route's Lambda function. A run's assertions see only the root module's
# own resources, locals and outputs: the first run checks the zips and the
# handlers layer, which are the root module's; the others plan
# modules/lambda-function with the values the module gives the $default route
# by default (main.tf, Functions). Plan only; the AWS provider is mocked, the
# log group's ARN fixed and known at plan time (override_during); the archive
# provider is real.

mock_provider "aws" {
  override_during = plan

  mock_resource "aws_cloudwatch_log_group" {
    defaults = {
      arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/chat-default"
    }
  }
}

variables {
  name = "chat"
}

run "zips_and_layer" {
  command = plan

  variables {
    lambda_runtime      = "python3.13"
    lambda_architecture = "x86_64"
  }

  assert {
    condition     = length(data.archive_file.lambda) == 1 && length(data.archive_file.lambda[0].output_base64sha256) == 44
    error_message = "Without lambda_package_path the module must zip lambda_source_dir at plan time."
  }

  assert {
    condition     = aws_lambda_layer_version.handlers.layer_name == "chat-websocket-handlers" && aws_lambda_layer_version.handlers.source_code_hash == data.archive_file.handlers_layer.output_base64sha256
    error_message = "The handlers layer must be <name>-websocket-handlers, built from the websocket_handlers package."
  }

  assert {
    condition     = aws_lambda_layer_version.handlers.compatible_runtimes == toset(["python3.13"]) && aws_lambda_layer_version.handlers.compatible_architectures == toset(["x86_64"])
    error_message = "The handlers layer must declare the functions' runtime and architecture."
  }
}

run "function" {
  command = plan

  module {
    source = "./modules/lambda-function"
  }

  variables {
    function_name    = "chat-default"
    handler          = "websocket_handlers.echo.handler"
    filename         = ".build/chat-lambda.zip"
    source_code_hash = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
    runtime          = "python3.12"
    architecture     = "arm64"
    memory_size      = 128
    timeout          = 10
    environment_variables = {
      CONNECTIONS_TABLE       = "chat-connections"
      CONNECTION_TTL_SECONDS  = "7200"
      MANAGEMENT_API_ENDPOINT = "https://abc123.execute-api.eu-west-1.amazonaws.com/dev"
    }
    policy_statements = [{
      sid       = "ConnectionsTable"
      actions   = ["dynamodb:DeleteItem"]
      resources = ["arn:aws:dynamodb:eu-west-1:123456789012:table/chat-connections"]
    }]
    log_retention_in_days = 14
  }

  assert {
    condition = (
      aws_lambda_function.this.function_name == "chat-default"
      && aws_lambda_function.this.handler == "websocket_handlers.echo.handler"
      && aws_lambda_function.this.runtime == "python3.12"
      && aws_lambda_function.this.architectures == tolist(["arm64"])
    )
    error_message = "The function must run its handler on the given runtime and architecture."
  }

  assert {
    condition     = aws_lambda_function.this.memory_size == 128 && aws_lambda_function.this.timeout == 10
    error_message = "The function must get the given memory and timeout, got ${aws_lambda_function.this.memory_size} MB and ${aws_lambda_function.this.timeout} s."
  }

  assert {
    condition     = toset(keys(aws_lambda_function.this.environment[0].variables)) == toset(["CONNECTIONS_TABLE", "CONNECTION_TTL_SECONDS", "MANAGEMENT_API_ENDPOINT"])
    error_message = "The function's environment must be exactly the given variables, got ${jsonencode(keys(aws_lambda_function.this.environment[0].variables))}."
  }

  assert {
    condition     = aws_lambda_function.this.logging_config[0].log_format == "JSON" && aws_lambda_function.this.logging_config[0].log_group == "/aws/lambda/chat-default"
    error_message = "The function must write JSON logs to its own log group."
  }

  # Writing its own logs, then the statements it was given; no X-Ray rights
  # while tracing is off.
  assert {
    condition = jsonencode(jsondecode(aws_iam_role_policy.this.policy).Statement) == jsonencode([
      {
        Sid      = "WriteOwnLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/chat-default:*"
      },
      {
        Sid      = "ConnectionsTable"
        Effect   = "Allow"
        Action   = ["dynamodb:DeleteItem"]
        Resource = ["arn:aws:dynamodb:eu-west-1:123456789012:table/chat-connections"]
      },
    ])
    error_message = "The role's policy must allow writing its own log group and the given statements only, got ${aws_iam_role_policy.this.policy}."
  }
}

run "function_with_tracing" {
  command = plan

  module {
    source = "./modules/lambda-function"
  }

  variables {
    function_name         = "chat-default"
    handler               = "websocket_handlers.echo.handler"
    filename              = ".build/chat-lambda.zip"
    source_code_hash      = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
    runtime               = "python3.12"
    architecture          = "arm64"
    memory_size           = 128
    timeout               = 10
    tracing_mode          = "Active"
    log_retention_in_days = 14
  }

  assert {
    condition     = aws_lambda_function.this.tracing_config[0].mode == "Active"
    error_message = "tracing_mode = Active must switch X-Ray tracing on."
  }

  assert {
    condition     = [for statement in jsondecode(aws_iam_role_policy.this.policy).Statement : statement.Sid] == ["WriteOwnLogs", "WriteTraces"]
    error_message = "With tracing on, the role must also get X-Ray's write rights, got ${aws_iam_role_policy.this.policy}."
  }
}

run "function_rejects_lambda_reserved_environment" {
  command = plan

  module {
    source = "./modules/lambda-function"
  }

  variables {
    function_name         = "chat-default"
    handler               = "websocket_handlers.echo.handler"
    filename              = ".build/chat-lambda.zip"
    source_code_hash      = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
    runtime               = "python3.12"
    architecture          = "arm64"
    memory_size           = 128
    timeout               = 10
    environment_variables = { AWS_REGION = "eu-west-1" }
    log_retention_in_days = 14
  }

  expect_failures = [var.environment_variables]
}
