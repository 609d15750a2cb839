################################################################################
# API
################################################################################

variable "name" {
  description = "Prefix of the API's alarm names and the dashboard's name: `1` to `32` characters from `a-z`, `A-Z`, `0-9`, `-` and `_`, starting with a letter."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9_-]{0,31}$", var.name))
    error_message = "The name must be 1 to 32 characters from a-z, A-Z, 0-9, '-' and '_', starting with a letter."
  }
}

variable "api_id" {
  description = "Id of the WebSocket API, the `ApiId` dimension of its `AWS/ApiGateway` metrics."
  type        = string
}

variable "tags" {
  description = "Tags to set on every alarm, as a map of `key = value`."
  type        = map(string)
  default     = {}
  nullable    = false
}

################################################################################
# Stage
################################################################################

variable "stage_name" {
  description = "Name of the stage, the `Stage` dimension of the API's `AWS/ApiGateway` metrics."
  type        = string
}

################################################################################
# Connections table
################################################################################

variable "table_name" {
  description = "Name of the connections table, the `TableName` dimension of its `AWS/DynamoDB` metrics."
  type        = string
}

################################################################################
# Functions
################################################################################

variable "function_names" {
  description = "The functions to watch, as a map of route key (or `connect-authorizer` for the module-built authorizer) to function name (the `FunctionName` dimension of `AWS/Lambda`)."
  type        = map(string)
  nullable    = false
}

variable "sending_route_keys" {
  description = "Route keys of the functions that send to clients, whose failed sends are alarmed on; each must be a key of `function_names`."
  type        = set(string)
  default     = []
  nullable    = false
}

variable "metrics_namespace" {
  description = "CloudWatch namespace the handlers publish their send metrics in (embedded metric format)."
  type        = string
}

variable "send_metrics" {
  description = "Names of the handlers' send metrics and of their one dimension, as contract.json's `send_metrics` gives them: `dimension`, `sent`, `gone`, `failed`."
  type = object({
    dimension = string
    sent      = string
    gone      = string
    failed    = string
  })
}

################################################################################
# Monitoring
################################################################################

variable "alarm_actions" {
  description = "ARNs of the SNS topics notified when an alarm fires, `arn:<partition>:sns:<region>:<account>:<topic>`, at most `5`; `[]` (default) creates no alarm."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = length(var.alarm_actions) <= 5 && alltrue([for arn in var.alarm_actions : can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}(\\.fifo)?$", arn))])
    error_message = "The alarm_actions must be at most 5 SNS topic ARNs of the form arn:<partition>:sns:<region>:<account>:<topic>."
  }
}

variable "ok_actions_enabled" {
  description = "Whether the `alarm_actions` topics also hear when an alarm returns to OK: `true` (default) or `false`."
  type        = bool
  default     = true
  nullable    = false
}

variable "thresholds" {
  description = "Sum over one period at which each alarm fires, whole numbers from `1`: `function_errors`, `function_throttles`, `api_integration_errors`, `api_execution_errors`, `table_throttle_events`, `failed_sends`."
  type = object({
    function_errors        = number
    function_throttles     = number
    api_integration_errors = number
    api_execution_errors   = number
    table_throttle_events  = number
    failed_sends           = number
  })

  validation {
    condition     = alltrue([for value in values(var.thresholds) : value >= 1 && floor(value) == value])
    error_message = "Each of the thresholds must be a whole number from 1."
  }
}

variable "period" {
  description = "Length in seconds of the period each alarm sums its metric over: a multiple of `60`, from `60` to `86400`."
  type        = number
  default     = 60
  nullable    = false

  validation {
    condition     = var.period >= 60 && var.period <= 86400 && var.period % 60 == 0
    error_message = "The period must be a multiple of 60 from 60 to 86400 (seconds)."
  }
}

variable "evaluation_periods" {
  description = "Number of consecutive periods over the threshold before an alarm fires: a whole number from `1`; times `period`, at most `86400` seconds."
  type        = number
  default     = 1
  nullable    = false

  validation {
    condition     = var.evaluation_periods >= 1 && floor(var.evaluation_periods) == var.evaluation_periods
    error_message = "The evaluation_periods must be a whole number from 1."
  }
}

variable "create_dashboard" {
  description = "Whether to create a CloudWatch dashboard of connects, messages, errors, integration latency, the functions' duration and the sends: `true` or `false` (default)."
  type        = bool
  default     = false
  nullable    = false
}
