################################################################################
# API
################################################################################

module "api" {
  source = "./modules/websocket-api"

  name                       = var.name
  description                = "WebSocket API of ${var.name}"
  route_selection_expression = var.route_selection_expression

  routes = {
    for key, route in local.routes : key => {
      function_name    = module.functions[key].function_name
      invoke_arn       = module.functions[key].function_invoke_arn
      two_way_response = route.two_way_response
    }
  }

  stage_name             = var.stage_name
  throttling_burst_limit = var.throttling_burst_limit
  throttling_rate_limit  = var.throttling_rate_limit

  log_retention_in_days = var.log_retention_in_days
  kms_key_arn           = var.kms_key_arn

  tags = var.tags
}

################################################################################
# Routes
################################################################################

locals {
  # default_routes.json is shared with the local gateway, so that both serve
  # the same routes. Its entries get the optional attributes of var.routes.
  default_routes = {
    for key, route in jsondecode(file("${path.module}/default_routes.json")) : key => {
      handler            = route.handler
      memory_size        = null
      timeout            = null
      environment        = {}
      two_way_response   = false
      dynamodb_actions   = route.dynamodb_actions
      manage_connections = route.manage_connections
    }
  }

  # var.routes adds routes or replaces a default one whole.
  routes = merge(local.default_routes, var.routes)
}

################################################################################
# Connections table
################################################################################

module "connections_table" {
  source = "./modules/connections-table"

  name = "${var.name}-connections"

  # The names the handlers read and write (websocket_handlers.connections).
  hash_key           = "connectionId"
  ttl_attribute_name = "ttl"

  kms_key_arn                    = var.kms_key_arn
  point_in_time_recovery_enabled = var.point_in_time_recovery_enabled
  deletion_protection_enabled    = var.deletion_protection_enabled

  tags = var.tags
}

################################################################################
# Functions
################################################################################

locals {
  lambda_source_dir = coalesce(var.lambda_source_dir, "${path.module}/lambda_src")
}

# Built at plan time from files on disk, with fixed file modes and no caches
# or tests, so that the hash changes only when the code does.
data "archive_file" "lambda" {
  type             = "zip"
  source_dir       = local.lambda_source_dir
  output_path      = "${path.root}/.build/${var.name}-lambda.zip"
  output_file_mode = "0644"
  excludes         = jsondecode(file("${path.module}/lambda_excludes.json"))
}

module "functions" {
  source   = "./modules/lambda-function"
  for_each = local.routes

  function_name = "${var.name}-${trimprefix(each.key, "$")}"
  description   = "WebSocket route ${each.key} of ${var.name}"
  handler       = each.value.handler

  filename         = data.archive_file.lambda.output_path
  source_code_hash = data.archive_file.lambda.output_base64sha256

  runtime                        = var.lambda_runtime
  architecture                   = var.lambda_architecture
  memory_size                    = coalesce(each.value.memory_size, var.lambda_memory_size)
  timeout                        = coalesce(each.value.timeout, var.lambda_timeout)
  reserved_concurrent_executions = var.lambda_reserved_concurrency
  tracing_mode                   = var.lambda_tracing_mode

  environment_variables = merge(var.lambda_environment, each.value.environment, {
    CONNECTIONS_TABLE      = module.connections_table.table_name
    CONNECTION_TTL_SECONDS = tostring(var.connection_ttl_seconds)
  })

  policy_statements             = local.route_policy_statements[each.key]
  role_permissions_boundary_arn = var.role_permissions_boundary_arn

  log_retention_in_days = var.log_retention_in_days
  kms_key_arn           = var.kms_key_arn

  tags = var.tags
}

################################################################################
# IAM
################################################################################

locals {
  # Least privilege per route: only the table actions it names, on this table
  # only, and sending to clients on this API's stage only.
  connections_table_statement = {
    sid       = "ConnectionsTable"
    resources = [module.connections_table.table_arn]
  }

  manage_connections_statement = {
    sid       = "ManageConnections"
    actions   = ["execute-api:ManageConnections"]
    resources = ["${module.api.stage_execution_arn}/POST/@connections/*"]
  }

  route_policy_statements = {
    for key, route in local.routes : key => concat(
      length(route.dynamodb_actions) == 0 ? [] : [
        merge(local.connections_table_statement, { actions = route.dynamodb_actions })
      ],
      route.manage_connections ? [local.manage_connections_statement] : [],
    )
  }
}
