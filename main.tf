################################################################################
# API
################################################################################

module "api" {
  source = "./modules/websocket-api"

  name                       = var.name
  description                = "WebSocket API of ${var.name}"
  route_selection_expression = var.route_selection_expression

  disable_execute_api_endpoint = var.disable_execute_api_endpoint

  routes = {
    for key, route in local.routes : key => {
      function_name          = module.functions[key].function_name
      invoke_arn             = module.functions[key].function_invoke_arn
      two_way_response       = route.two_way_response
      throttling_burst_limit = route.throttling_burst_limit
      throttling_rate_limit  = route.throttling_rate_limit
      # Only $connect can carry authorization on a WebSocket API (authorizer.tf).
      authorization_type = key == "$connect" ? local.connect_authorization_type : "NONE"
    }
  }
  authorizer = local.connect_authorizer

  stage_name             = var.stage_name
  throttling_burst_limit = var.throttling_burst_limit
  throttling_rate_limit  = var.throttling_rate_limit

  access_log_enabled    = var.access_log_enabled
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

      throttling_burst_limit = null
      throttling_rate_limit  = null
      policy_statements      = []
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

  # The names the handlers read and write, from the file they read them from.
  hash_key           = local.contract.connections_table.hash_key
  ttl_attribute_name = local.contract.connections_table.ttl_attribute

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

  # The zip the functions deploy: a prebuilt one, or the one built below.
  # The provider reads it at apply, so a plan saved on one machine and applied
  # on another needs it there at the same path.
  lambda_package_path = coalesce(var.lambda_package_path, one(data.archive_file.lambda[*].output_path))
  lambda_package_hash = (
    var.lambda_package_path == null
    ? one(data.archive_file.lambda[*].output_base64sha256)
    : filebase64sha256(var.lambda_package_path)
  )
}

# Built at plan time from files on disk, with fixed file modes and no caches
# or tests, so that the hash changes only when the code does.
data "archive_file" "lambda" {
  count = var.lambda_package_path == null ? 1 : 0

  type             = "zip"
  source_dir       = local.lambda_source_dir
  output_path      = "${path.root}/.build/${var.name}-lambda.zip"
  output_file_mode = "0644"
  excludes         = jsondecode(file("${path.module}/lambda_excludes.json"))
}

# The module's own package, websocket_handlers, is a Lambda layer on every
# function: the default routes import it whatever lambda_source_dir holds, and
# a consumer's code may import it too. Lambda's Python runtime imports from the
# function's code (/var/task) first, then from the layers' python/ folder
# (/opt/python): Lambda developer guide, "Working with layers for Python Lambda
# functions" (https://docs.aws.amazon.com/lambda/latest/dg/python-layers.html)
# and "Dependency search path and runtime-included libraries"
# (https://docs.aws.amazon.com/lambda/latest/dg/python-package.html).
#
# With lambda_source_dir null the function code is still lambda_src, the same
# package again: Lambda needs code in every function, and that copy, found
# before the layer's, is identical to it.
locals {
  handlers_package     = "websocket_handlers"
  handlers_package_dir = "${path.module}/lambda_src/${local.handlers_package}"
  lambda_excludes      = jsondecode(file("${path.module}/lambda_excludes.json"))

  # What the module, the handlers and the local gateway must agree on: the
  # table's key and TTL attribute, the environment variables' names, API
  # Gateway's quotas. The handlers read the same file from their package.
  contract = jsondecode(file("${local.handlers_package_dir}/contract.json"))

  # The package's Python and JSON files (contract.json) less what the function
  # zip leaves out (lambda_excludes.json); a pattern naming a folder drops what
  # is under it, as archive_file's excludes do.
  handlers_layer_files = setsubtract(
    setunion(
      fileset(local.handlers_package_dir, "**/*.py"),
      fileset(local.handlers_package_dir, "**/*.json"),
    ),
    flatten([
      for pattern in local.lambda_excludes : [
        fileset(local.handlers_package_dir, pattern),
        fileset(local.handlers_package_dir, "${pattern}/**"),
      ]
    ]),
  )

  # A handler `a.b.handler` runs module `a.b`: a/b.py or a/b/__init__.py, in the
  # function's code or in the layer; anything else fails every invocation with
  # Runtime.ImportModuleError, so the plan refuses it instead. A prebuilt
  # lambda_package_path cannot be looked into at plan time and is trusted.
  handlers_layer_paths = toset([for file in local.handlers_layer_files : "${local.handlers_package}/${file}"])
  # The authorizer the module builds (authorizer.tf) is checked with them.
  checked_handlers = merge(
    { for key, route in local.routes : key => route.handler },
    local.authorizer_built ? { "$connect authorizer" = local.connect_authorization.handler } : {},
  )
  handler_module_paths = {
    for key, handler in local.checked_handlers : key => replace(regex("^(.+)\\.[^.]+$", handler)[0], ".", "/")
  }
  unimportable_handlers = {
    for key, module_path in local.handler_module_paths : key => local.checked_handlers[key]
    if var.lambda_package_path == null && !anytrue([
      for candidate in ["${module_path}.py", "${module_path}/__init__.py"] :
      fileexists("${local.lambda_source_dir}/${candidate}") || contains(local.handlers_layer_paths, candidate)
    ])
  }
}

# One source block per file puts the package under python/ in the zip while
# lambda_src stays its import root for the tests and the local gateway.
# archive_file writes such entries with no file mode and a zero date (Go's
# zip.Writer.Create; output_file_mode applies to files read from disk only), so
# the hash is the same on every machine. Lambda reads entries without a mode
# (a field report, not an AWS page: hashicorp/terraform-provider-archive#10).
data "archive_file" "handlers_layer" {
  type        = "zip"
  output_path = "${path.root}/.build/${var.name}-handlers-layer.zip"

  dynamic "source" {
    for_each = local.handlers_layer_files

    content {
      content  = file("${local.handlers_package_dir}/${source.value}")
      filename = "python/${local.handlers_package}/${source.value}"
    }
  }

  lifecycle {
    precondition {
      condition = length(local.unimportable_handlers) == 0
      error_message = join("\n", [
        for key, handler in local.unimportable_handlers :
        "Route ${key}: Lambda could not import its handler ${handler}: neither lambda_source_dir (${local.lambda_source_dir}) nor the module's ${local.handlers_package} layer holds ${local.handler_module_paths[key]}.py or ${local.handler_module_paths[key]}/__init__.py."
      ])
    }
    # Route functions are named <name>-<key>: one keyed connect-authorizer
    # would take the name of the authorizer the module builds.
    precondition {
      condition     = !local.authorizer_built || !contains([for key in keys(local.routes) : lower(key)], "connect-authorizer")
      error_message = "The route key connect-authorizer is taken by the $connect authorizer the module builds (its function is ${local.authorizer_function_name}): name the route otherwise, or give connect_authorization a function_arn."
    }
  }
}

# A new version is published before the functions move to it; the old one is
# deleted after.
resource "aws_lambda_layer_version" "handlers" {
  layer_name       = "${var.name}-${replace(local.handlers_package, "_", "-")}"
  description      = "The ${local.handlers_package} package that the functions of ${var.name} import"
  filename         = data.archive_file.handlers_layer.output_path
  source_code_hash = data.archive_file.handlers_layer.output_base64sha256

  compatible_runtimes      = [var.lambda_runtime]
  compatible_architectures = [var.lambda_architecture]

  lifecycle {
    create_before_destroy = true
  }
}

module "functions" {
  source   = "./modules/lambda-function"
  for_each = local.routes

  function_name = "${var.name}-${trimprefix(each.key, "$")}"
  description   = "WebSocket route ${each.key} of ${var.name}"
  handler       = each.value.handler

  filename         = local.lambda_package_path
  source_code_hash = local.lambda_package_hash
  layers           = [aws_lambda_layer_version.handlers.arn]

  runtime                        = var.lambda_runtime
  architecture                   = var.lambda_architecture
  memory_size                    = coalesce(each.value.memory_size, var.lambda_memory_size)
  timeout                        = coalesce(each.value.timeout, var.lambda_timeout)
  reserved_concurrent_executions = var.lambda_reserved_concurrency
  tracing_mode                   = var.lambda_tracing_mode
  application_log_level          = var.lambda_application_log_level
  system_log_level               = var.lambda_system_log_level

  # MANAGEMENT_API_ENDPOINT comes from the API's own endpoint, so it is right in
  # every partition (amazonaws.com.cn in China), or from the custom domain when
  # the execute-api endpoint is disabled (domain.tf); the handlers prefer it
  # over building one from the event (websocket_handlers.sender).
  environment_variables = merge(var.lambda_environment, each.value.environment, {
    (local.contract.environment.connections_table)       = module.connections_table.table_name
    (local.contract.environment.connection_ttl_seconds)  = tostring(var.connection_ttl_seconds)
    (local.contract.environment.management_api_endpoint) = local.management_api_endpoint
    (local.contract.environment.metrics_namespace)       = var.metrics_namespace
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

  # With a customer managed key, DynamoDB decrypts the table's key with it on
  # behalf of the principal reading or writing items, so that principal needs
  # kms:Decrypt on the key ("How Amazon DynamoDB uses AWS KMS", AWS KMS
  # Developer Guide: CloudTrail shows Decrypt made as "the principal in your
  # AWS account who is accessing the table"; aws/aws-cdk#10010: PutItem fails
  # without it). GenerateDataKey and CreateGrant are made when the table is
  # created, by DynamoDB and by whoever applies the module, not by the roles.
  # The module grants it rather than leaving it to the key policy, because the
  # roles are the module's and their ARNs are unknown until apply: the key
  # policy only has to let IAM policies of the account grant its use (the
  # default key policy does). kms:ViaService keeps it to requests that DynamoDB
  # makes in the key's region, whatever the partition's DNS suffix.
  connections_key_statement = {
    sid        = "ConnectionsTableKey"
    actions    = ["kms:Decrypt"]
    resources  = [var.kms_key_arn]
    conditions = { StringLike = { "kms:ViaService" = ["dynamodb.${try(split(":", var.kms_key_arn)[3], "")}.*"] } }
  }

  # The three @connections methods: POST sends to a client, GET reads its
  # connection's details, DELETE disconnects it (API Gateway developer guide,
  # "Use @connections commands in your backend service").
  manage_connections_statement = {
    sid     = "ManageConnections"
    actions = ["execute-api:ManageConnections"]
    resources = [
      for method in ["POST", "GET", "DELETE"] : "${module.api.stage_execution_arn}/${method}/@connections/*"
    ]
  }

  route_policy_statements = {
    for key, route in local.routes : key => concat(
      length(route.dynamodb_actions) == 0 ? [] : [
        merge(local.connections_table_statement, { actions = route.dynamodb_actions })
      ],
      length(route.dynamodb_actions) == 0 || var.kms_key_arn == null ? [] : [local.connections_key_statement],
      route.manage_connections ? [local.manage_connections_statement] : [],
      # The route's own extra grants (var.routes validates them); a statement
      # without a sid is Statement<n>, n its position from 1.
      [
        for index, statement in route.policy_statements : {
          sid        = coalesce(statement.sid, "Statement${index + 1}")
          actions    = statement.actions
          resources  = statement.resources
          conditions = statement.conditions
        }
      ],
    )
  }
}

################################################################################
# Monitoring
################################################################################

# Alarms when alarm_actions names SNS topics, and the optional dashboard. The
# send metrics are the handlers' own (websocket_handlers.metrics); their names
# come from the file the handlers read them from.
module "alarms" {
  source = "./modules/alarms"

  name       = var.name
  api_id     = module.api.api_id
  stage_name = module.api.stage_name
  table_name = module.connections_table.table_name

  # The authorizer fails connects as surely as a route's function fails messages.
  function_names = merge(
    { for key, function in module.functions : key => function.function_name },
    { for function in module.authorizer : "connect-authorizer" => function.function_name },
  )
  sending_route_keys = [for key, route in local.routes : key if route.manage_connections]
  metrics_namespace  = var.metrics_namespace
  send_metrics       = local.contract.send_metrics

  alarm_actions      = var.alarm_actions
  ok_actions_enabled = var.alarm_ok_actions_enabled
  thresholds         = var.alarm_thresholds
  period             = var.alarm_period
  evaluation_periods = var.alarm_evaluation_periods
  create_dashboard   = var.create_dashboard

  tags = var.tags
}
