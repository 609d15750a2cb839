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
  description = "Routes keyed by route key (`$connect`, `$disconnect`, `$default` or an action), each with the `function_name` and `invoke_arn` of its Lambda function, whether it is `two_way_response`, and optionally its own `throttling_burst_limit` and `throttling_rate_limit` (the stage's for the other when only one is set)."
  type = map(object({
    function_name          = string
    invoke_arn             = string
    two_way_response       = bool
    throttling_burst_limit = optional(number)
    throttling_rate_limit  = optional(number)
  }))

  validation {
    condition     = length(var.routes) > 0
    error_message = "A WebSocket API needs at least one route."
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
