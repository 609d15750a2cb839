# Inputs that a user of the root module sets are validated there, where the
# error can name the user's own variable; this module checks the rest.

################################################################################
# API
################################################################################

variable "name" {
  description = "Name of the WebSocket API, also used in its access log group's name."
  type        = string
}

variable "description" {
  description = "Description of the API shown in the API Gateway console."
  type        = string
  default     = ""
  nullable    = false
}

variable "route_selection_expression" {
  description = "Expression that picks a message's route key, such as `$request.body.action`."
  type        = string
}

variable "disable_execute_api_endpoint" {
  description = "Whether API Gateway's default `execute-api` endpoint is off, so that clients reach the API through a custom domain name only: `false` (default) or `true`."
  type        = bool
  default     = false
  nullable    = false
}

variable "tags" {
  description = "Tags to set on the API, its stage and its log group, as a map of `key = value`."
  type        = map(string)
  default     = {}
  nullable    = false
}

################################################################################
# Routes
################################################################################

variable "routes" {
  description = "Routes keyed by route key (`$connect`, `$disconnect`, `$default` or an action), each with the `function_name` and `invoke_arn` of its Lambda function, whether it is `two_way_response`, optionally its own `throttling_burst_limit` and `throttling_rate_limit` (the stage's for the other when only one is set), and its `authorization_type`: `NONE` (default), or on `$connect` only `CUSTOM` (the `authorizer`) or `AWS_IAM`."
  type = map(object({
    function_name          = string
    invoke_arn             = string
    two_way_response       = bool
    throttling_burst_limit = optional(number)
    throttling_rate_limit  = optional(number)
    authorization_type     = optional(string, "NONE")
  }))

  validation {
    condition     = length(var.routes) > 0
    error_message = "A WebSocket API needs at least one route."
  }

  validation {
    condition = alltrue([
      for route in values(var.routes) : contains(["NONE", "CUSTOM", "AWS_IAM"], route.authorization_type)
    ])
    error_message = "Each route's authorization_type must be NONE, CUSTOM or AWS_IAM; a WebSocket API has no JWT authorizers."
  }

  # API Gateway refuses an authorization type on any other route at apply
  # ("Currently, authorization is restricted to the $connect route only"), and
  # an authorizer id alone on another route is accepted by the provider and
  # ignored (hashicorp/terraform-provider-aws#40833); "You can only use a Lambda
  # authorizer function for the $connect route" (API Gateway developer guide,
  # "Control access to WebSocket APIs with AWS Lambda REQUEST authorizers").
  validation {
    condition = alltrue([
      for key, route in var.routes : key == "$connect" || route.authorization_type == "NONE"
    ])
    error_message = "Only the $connect route may have an authorization_type other than NONE: API Gateway answers any other with \"Currently, authorization is restricted to the $connect route only\". Routes with one: ${join(", ", sort([for key, route in var.routes : key if key != "$connect" && route.authorization_type != "NONE"]))}."
  }
}

variable "authorizer" {
  description = "The Lambda REQUEST authorizer of a `CUSTOM` `$connect` route, or `null` (default) for none: its `name`, the `function_arn` API Gateway invokes (which the module lets this authorizer invoke) and its `identity_sources`, such as `route.request.querystring.token`."
  type = object({
    name             = string
    function_arn     = string
    identity_sources = list(string)
  })
  default = null

  validation {
    condition = var.authorizer == null || alltrue([
      for source in try(var.authorizer.identity_sources, []) : can(regex("^(route\\.request\\.(header|querystring)\\.[A-Za-z0-9._-]+|stageVariables\\.[A-Za-z0-9._-]+|context\\.[A-Za-z0-9._-]+)$", source))
    ])
    error_message = "Each of the authorizer's identity_sources must be route.request.header.<name>, route.request.querystring.<name>, stageVariables.<name> or context.<name>, the forms API Gateway takes for a WebSocket API."
  }

  validation {
    condition     = var.authorizer == null || can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?$", try(var.authorizer.function_arn, "")))
    error_message = "The authorizer's function_arn must be a Lambda function ARN, arn:<partition>:lambda:<region>:<account>:function:<name>, with an optional version or alias."
  }
}

################################################################################
# Stage
################################################################################

variable "stage_name" {
  description = "Name of the stage, the last part of the `wss://` URL."
  type        = string
}

variable "throttling_burst_limit" {
  description = "Requests per second the stage's routes accept in a burst, greater than `0`."
  type        = number
}

variable "throttling_rate_limit" {
  description = "Steady requests per second the stage's routes accept, greater than `0`."
  type        = number
}

################################################################################
# Logging
################################################################################

variable "access_log_enabled" {
  description = "Whether the stage writes JSON access logs to a log group of its own: `true` only where the region's API Gateway account settings name a CloudWatch Logs role, else API Gateway refuses the stage."
  type        = bool
  nullable    = false
}

variable "log_retention_in_days" {
  description = "Days CloudWatch keeps the stage's access logs; one of CloudWatch's allowed values, `0` for never expire."
  type        = number
}

variable "kms_key_arn" {
  description = "ARN of a KMS key to encrypt the access log group with, or `null` (default) for CloudWatch's own encryption."
  type        = string
  default     = null
}
