################################################################################
# API
################################################################################

output "api_id" {
  description = "Identifier of the WebSocket API, as API Gateway's console and CLI show it."
  value       = module.api.api_id
}

output "api_execution_arn" {
  description = "Execution ARN of the API, the prefix for further `execute-api` permissions."
  value       = module.api.api_execution_arn
}

output "api_endpoint" {
  description = "The API's `wss://` endpoint without the stage, as API Gateway reports it: for a custom domain's mapping or a client that adds the stage itself."
  value       = module.api.api_endpoint
}

################################################################################
# Routes
################################################################################

output "route_handlers" {
  description = "Python handler of each route, by route key: what the deployed API runs."
  value       = { for key, route in local.routes : key => route.handler }
}

output "route_ids" {
  description = "Identifier of each route, by route key, for route-level settings or responses added outside the module."
  value       = module.api.route_ids
}

output "connect_authorizer_id" {
  description = "Identifier of the `$connect` Lambda authorizer when `connect_authorization` is `CUSTOM`, else `null`."
  value       = module.api.authorizer_id
}

output "connect_authorizer_function_name" {
  description = "Name of the authorizer function the module built from `connect_authorization.handler`, for its logs and metrics; `null` when there is none."
  value       = one(module.authorizer[*].function_name)
}

output "connect_authorizer_function_arn" {
  description = "ARN of the authorizer function the module built from `connect_authorization.handler`; `null` when there is none."
  value       = one(module.authorizer[*].function_arn)
}

output "connect_authorizer_role_arn" {
  description = "ARN of the execution role of the authorizer function the module built, to which nothing but its own logs and `connect_authorization.secret_arn` is granted; `null` when there is none."
  value       = one(module.authorizer[*].role_arn)
}

################################################################################
# Stage
################################################################################

output "stage_name" {
  description = "Name of the deployed stage."
  value       = module.api.stage_name
}

output "stage_invoke_url" {
  description = "The `wss://` URL clients connect to on API Gateway's own endpoint; unreachable when `disable_execute_api_endpoint` is `true` (use `domain_name_invoke_url`)."
  value       = module.api.stage_invoke_url
}

output "stage_arn" {
  description = "ARN of the stage, for tagging and for policies on the stage's own settings."
  value       = module.api.stage_arn
}

output "stage_execution_arn" {
  description = "Execution ARN of the stage, for a consumer's own `execute-api:ManageConnections` policies: `<this>/POST/@connections/*` sends to clients, `GET` reads a connection, `DELETE` closes it."
  value       = module.api.stage_execution_arn
}

output "stage_connections_endpoint" {
  description = "The `https://` endpoint of the `@connections` management API, for a backend that sends to clients (boto3 `apigatewaymanagementapi` `endpoint_url`): the stage on API Gateway's own endpoint, or `https://<domain_name>[/<api_mapping_key>]` when `disable_execute_api_endpoint` is `true`. The functions' `MANAGEMENT_API_ENDPOINT` has the same value."
  # The same value the functions get (domain.tf); on the default endpoint, the
  # host and stage of the wss:// URL, with no region lookup, whose attribute
  # differs between AWS provider 5.x and 6.x.
  value = local.management_api_endpoint
}

################################################################################
# Custom domain
################################################################################

output "domain_name_invoke_url" {
  description = "The `wss://` URL clients connect to on the custom domain name: `wss://<domain_name>` and `/<api_mapping_key>` when one is set, with no stage in the path (the API mapping selects the stage); `null` without `domain_name`."
  value       = local.domain_base == null ? null : "wss://${local.domain_base}"
}

output "domain_name_arn" {
  description = "ARN of the API Gateway custom domain name, or `null` without `domain_name`."
  value       = one(module.custom_domain[*].domain_name_arn)
}

output "domain_name_target_domain_name" {
  description = "The Regional domain name (`d-<id>.execute-api.<region>.amazonaws.com`) that DNS must point `domain_name` at, for a record made outside Route 53 or another zone; `null` without `domain_name`."
  value       = one(module.custom_domain[*].target_domain_name)
}

output "domain_name_hosted_zone_id" {
  description = "Route 53 hosted zone of `domain_name_target_domain_name`, the `zone_id` of an alias record to it; `null` without `domain_name`."
  value       = one(module.custom_domain[*].hosted_zone_id)
}

output "domain_name_api_mapping_id" {
  description = "Identifier of the API mapping of the stage onto `domain_name`, or `null` without `domain_name`."
  value       = one(module.custom_domain[*].api_mapping_id)
}

################################################################################
# Connections table
################################################################################

output "connections_table_name" {
  description = "Name of the DynamoDB table of open connections."
  value       = module.connections_table.table_name
}

output "connections_table_arn" {
  description = "ARN of the DynamoDB table of open connections, for the policies of other readers."
  value       = module.connections_table.table_arn
}

################################################################################
# Functions
################################################################################

output "function_names" {
  description = "Name of each route's Lambda function, by route key, for logs and `aws lambda invoke`."
  value       = { for key, function in module.functions : key => function.function_name }
}

output "function_arns" {
  description = "ARN of each route's Lambda function, by route key."
  value       = { for key, function in module.functions : key => function.function_arn }
}

output "function_invoke_arns" {
  description = "ARN through which API Gateway invokes each route's Lambda function, by route key: an integration URI for routes or APIs added outside the module."
  value       = { for key, function in module.functions : key => function.function_invoke_arn }
}

output "handlers_layer_arn" {
  description = "ARN of the Lambda layer version holding the module's `websocket_handlers` package, to attach to a consumer's own functions."
  value       = aws_lambda_layer_version.handlers.arn
}

################################################################################
# IAM
################################################################################

output "function_role_arns" {
  description = "ARN of each route's execution role, by route key, to attach further policies to."
  value       = { for key, function in module.functions : key => function.role_arn }
}

output "function_role_names" {
  description = "Name of each route's execution role, by route key, for `aws_iam_role_policy` and `aws_iam_role_policy_attachment`, which take a role name."
  value       = { for key, function in module.functions : key => function.role_name }
}

################################################################################
# Logging
################################################################################

output "function_log_group_names" {
  description = "Name of each route's function log group, by route key."
  value       = { for key, function in module.functions : key => function.log_group_name }
}

output "function_log_group_arns" {
  description = "ARN of each route's function log group, by route key, for subscription filters and the policies of log readers."
  value       = { for key, function in module.functions : key => function.log_group_arn }
}

output "access_log_group_name" {
  description = "Name of the log group of the stage's JSON access logs, or `null` when `access_log_enabled` is `false`."
  value       = module.api.access_log_group_name
}

output "access_log_group_arn" {
  description = "ARN of the log group of the stage's JSON access logs, for subscription filters and the policies of log readers, or `null` when `access_log_enabled` is `false`."
  value       = module.api.access_log_group_arn
}

################################################################################
# Monitoring
################################################################################

output "alarm_arns" {
  description = "ARN of each alarm, by what it watches: `api/integration_errors`, `api/execution_errors`, `table/read_throttles`, `table/write_throttles`, `<route key>/errors`, `<route key>/throttles` and `<route key>/send_failures`; `{}` when `alarm_actions` is empty."
  value       = module.alarms.alarm_arns
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard, to open it in the console, or `null` when `create_dashboard` is `false`."
  value       = module.alarms.dashboard_name
}

output "dashboard_arn" {
  description = "ARN of the CloudWatch dashboard, for IAM policies of who may read it, or `null` when `create_dashboard` is `false`."
  value       = module.alarms.dashboard_arn
}
