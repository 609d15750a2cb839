################################################################################
# Routes: who may open a connection ($connect authorization)
################################################################################

locals {
  connect_authorization = var.connect_authorization

  # A Lambda authorizer the module builds from the packaged code, or an
  # existing function the module only lets API Gateway invoke.
  authorizer_built = local.connect_authorization.type == "CUSTOM" && local.connect_authorization.handler != null

  # Browsers cannot set headers on a WebSocket handshake, so the query string
  # carries the token by default (contract.json, authorizer.identity_source).
  authorizer_identity_sources = coalesce(
    local.connect_authorization.identity_sources, [local.contract.authorizer.identity_source]
  )

  # The built function's name: a route key cannot give the same one, as the
  # check with the handlers in main.tf makes sure.
  authorizer_function_name = "${var.name}-connect-authorizer"

  # arn:<partition>:<service>:<region>:<account>:<resource>
  authorizer_secret_arn_parts = split(":", coalesce(local.connect_authorization.secret_arn, "arn:-:-:-:-:-"))
  authorizer_secret_service   = local.authorizer_secret_arn_parts[2]

  # Least privilege: reading the one secret named, with the one action its
  # service has for that (SSM GetParameter with decryption; Secrets Manager
  # GetSecretValue), and with a customer managed key, kms:Decrypt on that key
  # only through that service in the secret's region. Parameter Store decrypts
  # a SecureString with the caller's kms:Decrypt ("How AWS Systems Manager
  # Parameter Store uses AWS KMS", AWS KMS Developer Guide), and so does
  # Secrets Manager a secret under a customer managed key ("Secret encryption
  # and decryption in AWS Secrets Manager"); the AWS managed keys need no grant.
  authorizer_policy_statements = concat(
    local.connect_authorization.secret_arn == null ? [] : [{
      sid        = "ReadTokenSecret"
      actions    = local.authorizer_secret_service == "ssm" ? ["ssm:GetParameter"] : ["secretsmanager:GetSecretValue"]
      resources  = [local.connect_authorization.secret_arn]
      conditions = {}
    }],
    local.connect_authorization.secret_kms_key_arn == null ? [] : [{
      sid       = "DecryptTokenSecret"
      actions   = ["kms:Decrypt"]
      resources = [local.connect_authorization.secret_kms_key_arn]
      conditions = {
        StringLike = {
          "kms:ViaService" = ["${local.authorizer_secret_service}.${local.authorizer_secret_arn_parts[3]}.*"]
        }
      }
    }],
  )

  # What the API module's $connect route and authorizer get.
  connect_authorization_type = local.connect_authorization.type
  connect_authorizer = local.connect_authorization.type != "CUSTOM" ? null : {
    name             = "${var.name}-connect"
    function_arn     = local.authorizer_built ? module.authorizer[0].function_arn : local.connect_authorization.function_arn
    identity_sources = local.authorizer_identity_sources
  }
}

# The authorizer built from the packaged code: the same zip and handlers layer
# as the routes, its own role (writing its own logs and reading the secret,
# nothing else: no table, no @connections) and its own log group.
module "authorizer" {
  source = "./modules/lambda-function"
  count  = local.authorizer_built ? 1 : 0

  function_name = local.authorizer_function_name
  description   = "$connect authorizer of ${var.name}"
  handler       = local.connect_authorization.handler

  filename         = local.lambda_package_path
  source_code_hash = local.lambda_package_hash
  layers           = [aws_lambda_layer_version.handlers.arn]

  runtime                        = var.lambda_runtime
  architecture                   = var.lambda_architecture
  memory_size                    = var.lambda_memory_size
  timeout                        = var.lambda_timeout
  reserved_concurrent_executions = var.lambda_reserved_concurrency
  tracing_mode                   = var.lambda_tracing_mode
  application_log_level          = var.lambda_application_log_level
  system_log_level               = var.lambda_system_log_level

  environment_variables = merge(
    local.connect_authorization.environment,
    local.connect_authorization.secret_arn == null ? {} : {
      (local.contract.authorizer.secret_arn_environment) = local.connect_authorization.secret_arn
    },
  )

  policy_statements             = local.authorizer_policy_statements
  role_permissions_boundary_arn = var.role_permissions_boundary_arn

  log_retention_in_days = var.log_retention_in_days
  kms_key_arn           = var.kms_key_arn

  tags = var.tags
}
