################################################################################
# API
################################################################################

variable "name" {
  description = "Name of the service, the prefix of every resource name: `1` to `32` characters from `a-z`, `A-Z`, `0-9`, `-` and `_`, starting with a letter."
  type        = string

  # 32 leaves room for "-" and a 31-character route key in function and role
  # names, which Lambda and IAM cap at 64 characters.
  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9_-]{0,31}$", var.name))
    error_message = "The name must be 1 to 32 characters from a-z, A-Z, 0-9, '-' and '_', starting with a letter: the characters API Gateway, Lambda, IAM and DynamoDB all accept."
  }
}

# The default is the local gateway's too (contract.json, module_defaults);
# tests/static/test_tf_contract.py keeps the two equal.
variable "route_selection_expression" {
  description = "Expression API Gateway evaluates on each message to pick its route key: `$request.body.<field>` (default `$request.body.action`)."
  type        = string
  default     = "$request.body.action"
  nullable    = false

  validation {
    condition     = can(regex("^\\$request\\.body\\.[a-zA-Z0-9_.-]+$", var.route_selection_expression))
    error_message = "The route_selection_expression must have the form $request.body.<field>, such as $request.body.action."
  }
}

variable "tags" {
  description = "Tags to set on every resource that takes tags, as a map of `key = value`."
  type        = map(string)
  default     = {}
  nullable    = false
}

################################################################################
# Routes
################################################################################

variable "routes" {
  description = "Routes to add to or replace among the defaults (`$connect`, `$disconnect`, `$default`), keyed by route key: `$connect`, `$disconnect`, `$default` or an action of `1` to `31` characters from `a-z`, `A-Z`, `0-9`, `-` and `_`. Each names its `handler` (`package.module.function` in `lambda_source_dir` or in the module's `websocket_handlers` layer) and may set `memory_size`, `timeout`, `environment`, `two_way_response`, the `dynamodb_actions` it needs on the connections table, whether it may `manage_connections` (send to clients), its own `throttling_burst_limit` and `throttling_rate_limit` (the stage-wide one for the other when it sets only one), and up to 10 extra `policy_statements` for its role, each with an optional alphanumeric `sid`, `actions` without wildcards, resource ARNs and optional `conditions`, IAM's `Condition` element as `{ operator = { key = [values] } }`."
  type = map(object({
    handler            = string
    memory_size        = optional(number)
    timeout            = optional(number)
    environment        = optional(map(string), {})
    two_way_response   = optional(bool, false)
    dynamodb_actions   = optional(list(string), [])
    manage_connections = optional(bool, false)

    throttling_burst_limit = optional(number)
    throttling_rate_limit  = optional(number)

    policy_statements = optional(list(object({
      sid        = optional(string)
      actions    = list(string)
      resources  = list(string)
      conditions = optional(map(map(list(string))), {})
    })), [])
  }))
  default  = {}
  nullable = false

  validation {
    condition = alltrue([
      for key in keys(var.routes) : can(regex("^(\\$connect|\\$disconnect|\\$default|[a-zA-Z0-9_-]{1,31})$", key))
      && !contains(["connect", "disconnect", "default"], key)
    ])
    error_message = "Route keys must be $connect, $disconnect, $default or 1 to 31 characters from a-z, A-Z, 0-9, '-' and '_' other than connect, disconnect and default, whose function names the $ routes use."
  }

  # Each key names a function and its role (<name>-<key>, "$" dropped), and IAM
  # does not distinguish names by case.
  validation {
    condition = alltrue([
      for key in keys(var.routes) : !contains(["connect", "disconnect", "default"], lower(key))
    ]) && length(distinct([for key in keys(var.routes) : lower(trimprefix(key, "$"))])) == length(var.routes)
    error_message = "Route keys in routes must differ from each other, and from the default routes' connect, disconnect and default, by more than letter case (such as Chat and chat, or Default and $default): each key names a Lambda function and an IAM role, <name>-<key>, and IAM does not distinguish names by case."
  }

  validation {
    condition = alltrue([
      for route in values(var.routes) : can(regex("^[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)+$", route.handler))
    ])
    error_message = "Each route's handler must be a dotted Python path such as chat.broadcast.handler."
  }

  validation {
    condition = alltrue(flatten([
      for route in values(var.routes) : [
        for action in route.dynamodb_actions : contains([
          "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
          "dynamodb:Query", "dynamodb:Scan", "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem",
          "dynamodb:ConditionCheckItem", "dynamodb:DescribeTable",
        ], action)
      ]
    ]))
    error_message = "Each route's dynamodb_actions must be among dynamodb:GetItem, PutItem, UpdateItem, DeleteItem, Query, Scan, BatchGetItem, BatchWriteItem, ConditionCheckItem and DescribeTable."
  }

  validation {
    condition = alltrue([
      for route in values(var.routes) : coalesce(route.memory_size, 128) >= 128 && coalesce(route.memory_size, 128) <= 10240
    ])
    error_message = "Each route's memory_size must be null or 128 to 10240 (MB)."
  }

  validation {
    condition = alltrue([
      for route in values(var.routes) : coalesce(route.timeout, 1) >= 1 && coalesce(route.timeout, 1) <= 900
    ])
    error_message = "Each route's timeout must be null or 1 to 900 (seconds)."
  }

  # Terraform wants these names as literals here; tests/static/test_tf_contract.py
  # holds them to contract.json, where the handlers and main.tf read them.
  validation {
    condition = alltrue(flatten([
      for route in values(var.routes) : [
        for key in keys(route.environment) : can(regex("^[a-zA-Z][a-zA-Z0-9_]+$", key)) && !contains(["CONNECTIONS_TABLE", "CONNECTION_TTL_SECONDS", "MANAGEMENT_API_ENDPOINT", "METRICS_NAMESPACE"], key)
      ]
    ]))
    error_message = "Each route's environment keys must be 2 or more letters, digits and '_' starting with a letter, as Lambda requires, other than CONNECTIONS_TABLE, CONNECTION_TTL_SECONDS, MANAGEMENT_API_ENDPOINT and METRICS_NAMESPACE, which the module sets."
  }

  # As the stage-wide limits: API Gateway takes 0 literally and rejects every
  # request of the route.
  validation {
    condition = alltrue([
      for route in values(var.routes) : route.throttling_burst_limit == null || (
        coalesce(route.throttling_burst_limit, 1) >= 1 && coalesce(route.throttling_burst_limit, 1) <= 5000
        && floor(coalesce(route.throttling_burst_limit, 1)) == coalesce(route.throttling_burst_limit, 1)
      )
    ])
    error_message = "Each route's throttling_burst_limit in routes must be null or a whole number from 1 to 5000; 0 would reject every request of the route."
  }

  validation {
    condition = alltrue([
      for route in values(var.routes) : route.throttling_rate_limit == null || (
        coalesce(route.throttling_rate_limit, 1) > 0 && coalesce(route.throttling_rate_limit, 1) <= 10000
      )
    ])
    error_message = "Each route's throttling_rate_limit in routes must be null or greater than 0 and at most 10000; 0 would reject every request of the route."
  }

  # Extra grants are held to what the module grants itself: named actions, no
  # wildcard in them, on named resources.
  validation {
    condition     = alltrue([for route in values(var.routes) : length(route.policy_statements) <= 10])
    error_message = "Each route in routes may have at most 10 policy_statements; an inline role policy holds at most 10240 characters."
  }

  validation {
    condition = alltrue(flatten([
      for route in values(var.routes) : [
        for statement in route.policy_statements : length(statement.actions) > 0 && alltrue([
          for action in statement.actions : can(regex("^[a-z0-9-]+:[A-Za-z][A-Za-z0-9]*$", action))
        ])
      ]
    ]))
    error_message = "Each of the policy_statements of a route in routes must name at least one action, each service:Action such as sns:Publish, with no wildcard: neither * nor service:* nor a partial one such as s3:Get*."
  }

  validation {
    condition = alltrue(flatten([
      for route in values(var.routes) : [
        for statement in route.policy_statements : length(statement.resources) > 0 && alltrue([
          for resource in statement.resources : can(regex("^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:([0-9]{12})?:[^*\\s][^\\s]*$", resource))
        ])
      ]
    ]))
    error_message = "Each of the policy_statements of a route in routes must name at least one resource, each an ARN in the form arn:<partition>:<service>:<region>:<account>:<resource>, with no wildcard region or account and a resource part that does not start with *: * and arn:aws:s3:::* are refused."
  }

  validation {
    condition = alltrue([
      for route in values(var.routes) : alltrue([
        for statement in route.policy_statements : statement.sid == null || can(regex("^[A-Za-z0-9]+$", coalesce(statement.sid, "-")))
      ]) && length(distinct([for index, statement in route.policy_statements : coalesce(statement.sid, "Statement${index + 1}")])) == length(route.policy_statements)
      && length(setintersection([for statement in route.policy_statements : statement.sid if statement.sid != null], ["WriteOwnLogs", "WriteTraces", "ConnectionsTable", "ConnectionsTableKey", "ManageConnections"])) == 0
    ])
    error_message = "Each sid of the policy_statements of a route in routes must be alphanumeric, as IAM requires, differ from the route's other sids (a statement without one is Statement<n>, n its position from 1) and from the module's own, WriteOwnLogs, WriteTraces, ConnectionsTable, ConnectionsTableKey and ManageConnections."
  }

  validation {
    condition = alltrue(flatten([
      for route in values(var.routes) : [
        for statement in route.policy_statements : [
          for operator in keys(statement.conditions) : can(regex("^((ForAllValues|ForAnyValue):)?[A-Za-z]+$", operator))
        ]
      ]
    ]))
    error_message = "The conditions of the policy_statements of a route in routes must be keyed by IAM condition operators such as StringEquals, StringLike or ForAnyValue:StringLike."
  }
}

variable "lambda_source_dir" {
  description = "Directory zipped as every function's code, the root the route handlers are imported from before the module's `websocket_handlers` layer; `null` (default) for the module's own `lambda_src`."
  type        = string
  default     = null
}

variable "lambda_package_path" {
  description = "Path of a zip of `lambda_source_dir` built beforehand (`make package`, or a CI step) that every function deploys instead of the zip `archive_file` writes under `.build/` at plan time, for a saved plan applied on another machine; `null` (default) builds it."
  type        = string
  default     = null

  validation {
    condition     = var.lambda_package_path == null || can(filebase64sha256(coalesce(var.lambda_package_path, "-")))
    error_message = "The lambda_package_path must be null or the path of an existing zip file, relative to the directory Terraform runs in or absolute."
  }
}

# Who may open a connection. A WebSocket API authorizes $connect only: API
# Gateway refuses authorization on any other route ("Currently, authorization
# is restricted to the $connect route only"), so this is an input of its own
# rather than an attribute of each route (Terraform would drop an unknown
# attribute of a routes entry silently). The literals below are compared with
# contract.json (authorizer) by tests/static/test_authorizer_contract.py.
variable "connect_authorization" {
  description = "Authorization of the `$connect` route: `type` `NONE` (default, anyone may connect), `AWS_IAM` (SigV4-signed connect requests) or `CUSTOM`, a Lambda REQUEST authorizer that is either a `handler` in the packaged code (`package.module.function`, such as the example `websocket_handlers.authorizer.handler`), which the module deploys with its own role and log group, or an existing function's `function_arn`, which the module only lets API Gateway invoke. For `CUSTOM`: `identity_sources` (default `[\"route.request.querystring.token\"]`; each `route.request.header.<name>`, `route.request.querystring.<name>`, `stageVariables.<name>` or `context.<name>`), and for a `handler` its `environment`, the `secret_arn` of an SSM parameter or Secrets Manager secret its role may read (only that ARN; the module passes it as `AUTHORIZER_SECRET_ARN` and never reads the value) and the `secret_kms_key_arn` of the customer managed key that encrypts it, if any."
  type = object({
    type               = optional(string, "NONE")
    handler            = optional(string)
    function_arn       = optional(string)
    identity_sources   = optional(list(string))
    environment        = optional(map(string), {})
    secret_arn         = optional(string)
    secret_kms_key_arn = optional(string)
  })
  default  = {}
  nullable = false

  validation {
    condition     = contains(["NONE", "CUSTOM", "AWS_IAM"], var.connect_authorization.type)
    error_message = "The connect_authorization type must be NONE, CUSTOM or AWS_IAM; a WebSocket API has no JWT authorizers."
  }

  validation {
    condition     = var.connect_authorization.type != "CUSTOM" || ((var.connect_authorization.handler == null) != (var.connect_authorization.function_arn == null))
    error_message = "A CUSTOM connect_authorization needs exactly one of handler (a function the module deploys from the packaged code) and function_arn (an existing function)."
  }

  validation {
    condition = var.connect_authorization.type == "CUSTOM" || (
      var.connect_authorization.handler == null && var.connect_authorization.function_arn == null
      && var.connect_authorization.identity_sources == null && length(var.connect_authorization.environment) == 0
      && var.connect_authorization.secret_arn == null && var.connect_authorization.secret_kms_key_arn == null
    )
    error_message = "Only a CUSTOM connect_authorization takes handler, function_arn, identity_sources, environment, secret_arn or secret_kms_key_arn: NONE has no authorizer, and AWS_IAM authorizes the SigV4 signature, not identity sources."
  }

  validation {
    condition     = var.connect_authorization.handler == null || can(regex("^[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)+$", coalesce(var.connect_authorization.handler, "-")))
    error_message = "The connect_authorization handler must be a dotted Python path such as websocket_handlers.authorizer.handler."
  }

  validation {
    condition     = var.connect_authorization.function_arn == null || can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]+)?$", coalesce(var.connect_authorization.function_arn, "-")))
    error_message = "The connect_authorization function_arn must be a Lambda function ARN, arn:<partition>:lambda:<region>:<account>:function:<name>, with an optional version or alias."
  }

  # API Gateway API reference, Authorizer, identitySource: for WebSocket APIs
  # route.request.header.<name> and route.request.querystring.<name>, as well as
  # stage variables and context parameters (stageVariables.<name>,
  # context.<name>); the $request. forms are HTTP APIs' and are refused here.
  validation {
    condition = alltrue([
      for source in coalesce(var.connect_authorization.identity_sources, ["route.request.querystring.token"]) :
      can(regex("^(route\\.request\\.(header|querystring)\\.[A-Za-z0-9._-]+|stageVariables\\.[A-Za-z0-9._-]+|context\\.[A-Za-z0-9._-]+)$", source))
    ]) && length(distinct(coalesce(var.connect_authorization.identity_sources, ["-"]))) == length(coalesce(var.connect_authorization.identity_sources, ["-"]))
    error_message = "Each of the connect_authorization identity_sources must be route.request.header.<name>, route.request.querystring.<name>, stageVariables.<name> or context.<name> (the forms API Gateway takes for a WebSocket API, not $request.*), each once."
  }

  validation {
    condition = alltrue([
      for key in keys(var.connect_authorization.environment) : can(regex("^[a-zA-Z][a-zA-Z0-9_]+$", key)) && key != "AUTHORIZER_SECRET_ARN"
    ]) && (var.connect_authorization.handler != null || length(var.connect_authorization.environment) == 0)
    error_message = "The connect_authorization environment is for a handler the module deploys only; its keys must be 2 or more letters, digits and '_' starting with a letter, as Lambda requires, other than AUTHORIZER_SECRET_ARN, which the module sets from secret_arn."
  }

  validation {
    condition = var.connect_authorization.secret_arn == null || (
      var.connect_authorization.handler != null
      && can(regex("^arn:aws[a-z-]*:(ssm:[a-z0-9-]+:[0-9]{12}:parameter/[A-Za-z0-9_.\\-/]+|secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+)$", coalesce(var.connect_authorization.secret_arn, "-")))
    )
    error_message = "The connect_authorization secret_arn must be the full ARN of an SSM parameter (arn:aws:ssm:<region>:<account>:parameter/<name>) or a Secrets Manager secret (arn:aws:secretsmanager:<region>:<account>:secret:<name>-<suffix>), with no wildcard, and goes with a handler the module deploys; an existing function's role is its owner's."
  }

  # The example authorizer reads its signing secret at every cold start.
  validation {
    condition     = var.connect_authorization.handler != "websocket_handlers.authorizer.handler" || var.connect_authorization.secret_arn != null
    error_message = "The connect_authorization handler websocket_handlers.authorizer.handler, the example authorizer, needs secret_arn: the SSM parameter or Secrets Manager secret its tokens are signed with."
  }

  validation {
    condition = var.connect_authorization.secret_kms_key_arn == null || (
      var.connect_authorization.secret_arn != null
      && can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", coalesce(var.connect_authorization.secret_kms_key_arn, "-")))
    )
    error_message = "The connect_authorization secret_kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>) and goes with secret_arn, the secret it encrypts."
  }
}

################################################################################
# Stage
################################################################################

# The default is the local gateway's too (contract.json, module_defaults);
# tests/static/test_tf_contract.py keeps the two equal.
variable "stage_name" {
  description = "Name of the stage, the last part of the `wss://` URL: `1` to `128` characters from `a-z`, `A-Z`, `0-9`, `-` and `_` (default `dev`)."
  type        = string
  default     = "dev"
  nullable    = false

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{1,128}$", var.stage_name))
    error_message = "The stage_name must be 1 to 128 characters from a-z, A-Z, 0-9, '-' and '_'."
  }
}

variable "throttling_burst_limit" {
  description = "Requests the stage accepts in a burst, a whole number from `1` to `5000` (default `500`)."
  type        = number
  default     = 500
  nullable    = false

  # API Gateway takes 0 literally and rejects every request.
  validation {
    condition     = var.throttling_burst_limit >= 1 && var.throttling_burst_limit <= 5000 && floor(var.throttling_burst_limit) == var.throttling_burst_limit
    error_message = "The throttling_burst_limit must be a whole number from 1 to 5000; 0 would reject every request."
  }
}

variable "throttling_rate_limit" {
  description = "Steady requests per second the stage accepts, greater than `0` and at most `10000` (default `1000`)."
  type        = number
  default     = 1000
  nullable    = false

  validation {
    condition     = var.throttling_rate_limit > 0 && var.throttling_rate_limit <= 10000
    error_message = "The throttling_rate_limit must be greater than 0 and at most 10000; 0 would reject every request."
  }
}

################################################################################
# Custom domain
################################################################################

# Lower case only: API Gateway's WebSocket domain names take no upper case
# (AWS SAM, WebSocketApiDomainConfiguration, DomainName: "Uppercase letters
# are not supported"), and DNS names compare without case anyway. One name,
# no wildcard: the module maps one stage onto it and points one record at it.
variable "domain_name" {
  description = "Custom domain name clients connect to, such as `ws.example.com`: lower-case DNS labels of `a-z`, `0-9` and `-`, at most 253 characters; `null` (default) for API Gateway's own endpoint only. Needs `domain_name_certificate_arn`."
  type        = string
  default     = null

  validation {
    condition = var.domain_name == null || (
      length(coalesce(var.domain_name, "-")) <= 253
      && can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$", coalesce(var.domain_name, "-")))
    )
    error_message = "The domain_name must be null or a fully qualified lower-case DNS name such as ws.example.com: dot-separated labels of 1 to 63 characters from a-z, 0-9 and '-' (not at a label's start or end), at most 253 characters, no trailing dot and no wildcard."
  }
}

# The region is checked against the API's in domain.tf, where it is known.
variable "domain_name_certificate_arn" {
  description = "ARN of the ACM certificate covering `domain_name`, issued or imported in the module's own region (`arn:aws:acm:<region>:<account>:certificate/<id>`): a Regional domain name, the only kind a WebSocket API takes, serves a certificate of its own region only. `null` (default) without `domain_name`."
  type        = string
  default     = null

  validation {
    condition     = var.domain_name_certificate_arn == null || can(regex("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[0-9a-f-]+$", coalesce(var.domain_name_certificate_arn, "-")))
    error_message = "The domain_name_certificate_arn must be null or an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)."
  }
}

# Route 53's HostedZone Id is at most 32 characters (Route 53 API Reference,
# HostedZone), upper-case letters and digits as the console and the
# CreateHostedZone response show it, without the "/hostedzone/" prefix.
variable "domain_name_hosted_zone_id" {
  description = "ID of the public Route 53 hosted zone of `domain_name` (such as `Z0123456789ABCDEFGHIJ`), where the module creates an alias `A` record to the API's domain; `null` (default) to make the DNS record elsewhere from the `domain_name_target_domain_name` and `domain_name_hosted_zone_id` outputs."
  type        = string
  default     = null

  validation {
    condition     = var.domain_name_hosted_zone_id == null || can(regex("^Z[A-Z0-9]{1,31}$", coalesce(var.domain_name_hosted_zone_id, "-")))
    error_message = "The domain_name_hosted_zone_id must be null or a Route 53 hosted zone ID such as Z0123456789ABCDEFGHIJ: 'Z' and up to 31 upper-case letters and digits, without the /hostedzone/ prefix."
  }
}

# API Gateway developer guide, "Map API stages to a custom domain name for
# WebSocket APIs", Restrictions: letters, numbers and $-_.+!*'() only, at
# most 300 characters.
variable "api_mapping_key" {
  description = "Path of the API under `domain_name` (`wss://<domain_name>/<api_mapping_key>`): `1` to `300` characters from `A-Z`, `a-z`, `0-9` and `$-_.+!*'()`; `null` (default) maps the stage onto the domain's root."
  type        = string
  default     = null

  validation {
    condition     = var.api_mapping_key == null || can(regex("^[A-Za-z0-9$_.+!*'()-]{1,300}$", coalesce(var.api_mapping_key, "-")))
    error_message = "The api_mapping_key must be null or 1 to 300 characters from A-Z, a-z, 0-9 and $-_.+!*'() (API Gateway's API mapping restrictions; no '/')."
  }
}

# A bool that is never null has no bad value left to validate; that it needs
# domain_name is checked in domain.tf.
variable "disable_execute_api_endpoint" {
  description = "Whether clients may reach the API only through `domain_name`: `false` (default) or `true`, which turns API Gateway's `execute-api` endpoint off for every stage and sends the functions' `@connections` calls through the custom domain too."
  type        = bool
  default     = false
  nullable    = false
}

################################################################################
# Connections table
################################################################################

# The default is the local gateway's too (contract.json, module_defaults);
# tests/static/test_tf_contract.py keeps the two equal.
variable "connection_ttl_seconds" {
  description = "Seconds after connecting at which a connection's record expires, a whole number from `1` to `86400` (default `7200`, API Gateway's maximum connection duration)."
  type        = number
  default     = 7200
  nullable    = false

  validation {
    condition     = var.connection_ttl_seconds >= 1 && var.connection_ttl_seconds <= 86400 && floor(var.connection_ttl_seconds) == var.connection_ttl_seconds
    error_message = "The connection_ttl_seconds must be a whole number from 1 to 86400."
  }
}

variable "point_in_time_recovery_enabled" {
  description = "Whether the connections table keeps continuous backups: `true` (default) or `false`."
  type        = bool
  default     = true
  nullable    = false
}

variable "deletion_protection_enabled" {
  description = "Whether AWS refuses to delete the connections table until this is switched off: `true` or `false` (default)."
  type        = bool
  default     = false
  nullable    = false
}

################################################################################
# Functions
################################################################################

variable "lambda_runtime" {
  description = "Lambda runtime of every function: `python3.12` (default) or `python3.13`."
  type        = string
  default     = "python3.12"
  nullable    = false

  validation {
    condition     = contains(["python3.12", "python3.13"], var.lambda_runtime)
    error_message = "The lambda_runtime must be python3.12 or python3.13."
  }
}

variable "lambda_architecture" {
  description = "Instruction set of every function: `arm64` (default, cheaper) or `x86_64`."
  type        = string
  default     = "arm64"
  nullable    = false

  validation {
    condition     = contains(["arm64", "x86_64"], var.lambda_architecture)
    error_message = "The lambda_architecture must be arm64 or x86_64."
  }
}

# The default is the local gateway's too (contract.json, module_defaults);
# tests/static/test_tf_contract.py keeps the two equal.
variable "lambda_memory_size" {
  description = "Memory of each function in MB unless its route sets one, `128` to `10240` (default `128`)."
  type        = number
  default     = 128
  nullable    = false

  validation {
    condition     = var.lambda_memory_size >= 128 && var.lambda_memory_size <= 10240
    error_message = "The lambda_memory_size must be 128 to 10240 (MB)."
  }
}

# The default is the local gateway's too (contract.json, module_defaults);
# tests/static/test_tf_contract.py keeps the two equal.
variable "lambda_timeout" {
  description = "Maximum run time of one invocation in seconds unless its route sets one, `1` to `900` (default `10`; API Gateway stops waiting after 29)."
  type        = number
  default     = 10
  nullable    = false

  validation {
    condition     = var.lambda_timeout >= 1 && var.lambda_timeout <= 900
    error_message = "The lambda_timeout must be 1 to 900 (seconds)."
  }
}

variable "lambda_environment" {
  description = "Environment variables set on every function, as a map of `NAME = value`; a route's own `environment` wins over these, and `CONNECTIONS_TABLE`, `CONNECTION_TTL_SECONDS`, `MANAGEMENT_API_ENDPOINT` and `METRICS_NAMESPACE` are the module's."
  type        = map(string)
  default     = {}
  nullable    = false

  # Literal names, compared with contract.json by a test (see var.routes).
  validation {
    condition = alltrue([
      for key in keys(var.lambda_environment) : can(regex("^[a-zA-Z][a-zA-Z0-9_]+$", key)) && !contains(["CONNECTIONS_TABLE", "CONNECTION_TTL_SECONDS", "MANAGEMENT_API_ENDPOINT", "METRICS_NAMESPACE"], key)
    ])
    error_message = "The lambda_environment keys must be 2 or more letters, digits and '_' starting with a letter, as Lambda requires, other than CONNECTIONS_TABLE, CONNECTION_TTL_SECONDS, MANAGEMENT_API_ENDPOINT and METRICS_NAMESPACE, which the module sets."
  }
}

variable "lambda_reserved_concurrency" {
  description = "Concurrent executions reserved for each function, a whole number from `1`, or `null` (default) to share the account's pool; Lambda keeps 100 of the account's quota unreserved, so a new account, whose quota may be `10`, can reserve none."
  type        = number
  default     = null

  # 0 is valid for Lambda but stops the function from running at all.
  validation {
    condition     = var.lambda_reserved_concurrency == null || can(regex("^[1-9][0-9]*$", tostring(var.lambda_reserved_concurrency)))
    error_message = "The lambda_reserved_concurrency must be null or a whole number from 1; 0 would stop every function."
  }
}

variable "lambda_tracing_mode" {
  description = "X-Ray tracing of every function: `Active`, `PassThrough`, or `null` (default) for none (Lambda's `PassThrough`, without X-Ray rights)."
  type        = string
  default     = null

  validation {
    condition     = var.lambda_tracing_mode == null || contains(["Active", "PassThrough"], coalesce(var.lambda_tracing_mode, "Active"))
    error_message = "The lambda_tracing_mode must be null, Active or PassThrough."
  }
}

variable "lambda_application_log_level" {
  description = "Lowest level of the handlers' log lines that Lambda keeps (its JSON logs only): `TRACE`, `DEBUG`, `INFO`, `WARN`, `ERROR`, `FATAL`, or `null` (default) for Lambda's default, `INFO`."
  type        = string
  default     = null

  validation {
    condition     = var.lambda_application_log_level == null || contains(["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"], coalesce(var.lambda_application_log_level, "INFO"))
    error_message = "The lambda_application_log_level must be null, TRACE, DEBUG, INFO, WARN, ERROR or FATAL."
  }
}

variable "lambda_system_log_level" {
  description = "Lowest level of Lambda's own log lines about each function that it keeps: `DEBUG`, `INFO`, `WARN`, or `null` (default) for Lambda's default, `INFO`."
  type        = string
  default     = null

  validation {
    condition     = var.lambda_system_log_level == null || contains(["DEBUG", "INFO", "WARN"], coalesce(var.lambda_system_log_level, "INFO"))
    error_message = "The lambda_system_log_level must be null, DEBUG, INFO or WARN."
  }
}

################################################################################
# IAM
################################################################################

variable "role_permissions_boundary_arn" {
  description = "ARN of a managed policy set as the permissions boundary of every function's role, or `null` (default) for none."
  type        = string
  default     = null

  validation {
    condition     = var.role_permissions_boundary_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:policy/", var.role_permissions_boundary_arn))
    error_message = "The role_permissions_boundary_arn must be null or an IAM policy ARN (arn:aws:iam::<account>:policy/...)."
  }
}

################################################################################
# Logging
################################################################################

# A bool that is never null has no bad value left to validate.
variable "access_log_enabled" {
  description = "Whether the stage writes JSON access logs to a log group of its own: `false` (default) or `true`, which needs the region's API Gateway CloudWatch Logs role first (`modules/api-gateway-account`, once per account and region), or API Gateway refuses the stage."
  type        = bool
  default     = false
  nullable    = false
}

variable "log_retention_in_days" {
  description = "Days CloudWatch keeps the functions' and the stage's logs: `0` (never expire) or one of `1`, `3`, `5`, `7`, `14`, `30`, `60`, `90`, `120`, `150`, `180`, `365`, `400`, `545`, `731`, `1096`, `1827`, `2192`, `2557`, `2922`, `3288`, `3653` (default `14`)."
  type        = number
  default     = 14
  nullable    = false

  validation {
    condition     = contains([0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "The log_retention_in_days must be 0 (never expire) or one of CloudWatch's values: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "kms_key_arn" {
  description = "ARN of a customer managed KMS key in the module's region for the connections table and every log group, or `null` (default) for AWS's own encryption. The module grants the functions that use the table `kms:Decrypt` through DynamoDB; the key policy must let the account's IAM policies grant its use (the default key policy does) and let CloudWatch Logs (`logs.<region>.amazonaws.com`) use it, or creating the log groups fails (README, Security)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/", var.kms_key_arn))
    error_message = "The kms_key_arn must be null or a KMS key ARN (arn:aws:kms:<region>:<account>:key/...)."
  }
}

################################################################################
# Monitoring
################################################################################

# The default is the local gateway's too (contract.json, module_defaults);
# tests/static/test_tf_contract.py keeps the two equal. CloudWatch's rule for a
# namespace ("Amazon CloudWatch concepts", Namespaces; the Metric API's pattern
# `[^:].*`; PutMetricData reserves `AWS/`), as the handlers check it too.
variable "metrics_namespace" {
  description = "CloudWatch namespace of the metrics the handlers publish for each send to a client (`MessagesSent`, `ConnectionsGone`, `SendFailures`, by `FunctionName`): `1` to `255` of `0-9`, `A-Z`, `a-z`, `.`, `-`, `_`, `/`, `#`, `:` and space, not starting with `:` or `AWS/` (default `WebSocketHandlers`)."
  type        = string
  default     = "WebSocketHandlers"
  nullable    = false

  validation {
    condition     = can(regex("^[0-9A-Za-z._/# -][0-9A-Za-z._/#: -]{0,254}$", var.metrics_namespace)) && !startswith(var.metrics_namespace, "AWS/") && trimspace(var.metrics_namespace) != ""
    error_message = "The metrics_namespace must be 1 to 255 of 0-9, A-Z, a-z, '.', '-', '_', '/', '#', ':' and space, not only spaces and not starting with ':' or 'AWS/' (reserved for AWS's own metrics)."
  }
}

# PutMetricAlarm takes at most 5 AlarmActions and OKActions
# (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html);
# an SNS topic name is up to 256 of A-Z a-z 0-9 - _, `.fifo` ending a FIFO topic's.
variable "alarm_actions" {
  description = "ARNs of the SNS topics CloudWatch notifies when an alarm fires, each `arn:<partition>:sns:<region>:<account>:<topic>`, at most `5`. `[]` (default) creates no alarm; otherwise each function's errors and throttles, the API's integration and execution errors, the table's throttled reads and writes and each sending function's failed sends have one."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = length(var.alarm_actions) <= 5 && alltrue([for arn in var.alarm_actions : can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}(\\.fifo)?$", arn))])
    error_message = "The alarm_actions must be at most 5 SNS topic ARNs, each arn:<partition>:sns:<region>:<account>:<topic> (such as arn:aws:sns:eu-west-1:123456789012:alerts)."
  }
}

variable "alarm_ok_actions_enabled" {
  description = "Whether the `alarm_actions` topics also hear when an alarm returns to OK: `true` (default) or `false`."
  type        = bool
  default     = true
  nullable    = false
}

variable "alarm_thresholds" {
  description = "The sum over one `alarm_period` at which each alarm fires, whole numbers from `1`: `function_errors` (default `1`), `function_throttles` (`1`), `api_integration_errors` (`5`: the handlers' 400 answers to malformed messages may count), `api_execution_errors` (`1`), `table_throttle_events` (`1`, read and write alarms each) and `failed_sends` (`1`)."
  type = object({
    function_errors        = optional(number, 1)
    function_throttles     = optional(number, 1)
    api_integration_errors = optional(number, 5)
    api_execution_errors   = optional(number, 1)
    table_throttle_events  = optional(number, 1)
    failed_sends           = optional(number, 1)
  })
  default  = {}
  nullable = false

  validation {
    condition     = alltrue([for value in values(var.alarm_thresholds) : value != null && try(value >= 1 && floor(value) == value, false)])
    error_message = "Each of the alarm_thresholds must be a whole number from 1: a threshold of 0 would keep an alarm firing whenever its metric has a data point."
  }
}

# Lambda, API Gateway and DynamoDB publish these metrics once a minute, so a
# shorter period than 60 seconds would leave an alarm without data; the
# alarm's whole window, period times evaluation periods, is at most a day
# (PutMetricAlarm, EvaluationPeriods).
variable "alarm_period" {
  description = "Seconds over which each alarm sums its metric: a multiple of `60` from `60` (default) to `86400`; the dashboard's graphs use it too."
  type        = number
  default     = 60
  nullable    = false

  validation {
    condition     = var.alarm_period >= 60 && var.alarm_period <= 86400 && var.alarm_period % 60 == 0
    error_message = "The alarm_period must be a multiple of 60 from 60 to 86400 (seconds)."
  }
}

variable "alarm_evaluation_periods" {
  description = "Consecutive periods at or over the threshold before an alarm fires: a whole number from `1` (default), with `alarm_period` times it at most `86400` seconds."
  type        = number
  default     = 1
  nullable    = false

  validation {
    condition     = var.alarm_evaluation_periods >= 1 && floor(var.alarm_evaluation_periods) == var.alarm_evaluation_periods
    error_message = "The alarm_evaluation_periods must be a whole number from 1."
  }
}

variable "create_dashboard" {
  description = "Whether to create a CloudWatch dashboard of the API's connects, messages, errors and integration latency, the functions' errors, throttles and duration, and the sends to clients: `true` or `false` (default)."
  type        = bool
  default     = false
  nullable    = false
}
