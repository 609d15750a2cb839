# Inputs that a user of the root module sets are validated there, where the
# error can name the user's own variable; this module checks the rest.

################################################################################
# Functions
################################################################################

variable "function_name" {
  description = "Name of the function and its log group, and the start of its role's name: `1` to `64` characters from `a-z`, `A-Z`, `0-9`, `-` and `_`."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{1,64}$", var.function_name))
    error_message = "The function_name must be 1 to 64 characters from a-z, A-Z, 0-9, '-' and '_'."
  }
}

variable "description" {
  description = "Description of the function shown in the Lambda console."
  type        = string
  default     = ""
  nullable    = false
}

variable "handler" {
  description = "Python handler as `package.module.function`, resolved inside the zip."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)+$", var.handler))
    error_message = "The handler must be a dotted Python path such as websocket_handlers.echo.handler."
  }
}

variable "filename" {
  description = "Path of the zip file holding the function's code."
  type        = string
}

variable "source_code_hash" {
  description = "Base64 SHA-256 of the zip (`archive_file.output_base64sha256`), so that a code change redeploys the function."
  type        = string
}

variable "layers" {
  description = "ARNs of the layer versions the function imports from after its own code, in merge order: at most `5`."
  type        = list(string)
  default     = []
  nullable    = false

  # "You can add up to five layers to a Lambda function": Lambda developer
  # guide, https://docs.aws.amazon.com/lambda/latest/dg/adding-layers.html
  validation {
    condition     = length(var.layers) <= 5
    error_message = "The layers must be at most 5 layer version ARNs, as Lambda allows per function."
  }
}

variable "runtime" {
  description = "Lambda runtime: `python3.12` or `python3.13`."
  type        = string
}

variable "architecture" {
  description = "Instruction set of the function: `arm64` or `x86_64`."
  type        = string
}

variable "memory_size" {
  description = "Memory of the function in MB, `128` to `10240`."
  type        = number
}

variable "timeout" {
  description = "Maximum run time of one invocation in seconds, `1` to `900`."
  type        = number
}

variable "environment_variables" {
  description = "Environment variables of the function, as a map of `NAME = value`: keys of `2` or more letters, digits and `_` starting with a letter, none of Lambda's reserved keys, `4` KB in all."
  type        = map(string)
  default     = {}
  nullable    = false

  # Lambda API reference, Environment: "Key Pattern: [a-zA-Z]([a-zA-Z0-9_])+".
  validation {
    condition     = alltrue([for key in keys(var.environment_variables) : can(regex("^[a-zA-Z][a-zA-Z0-9_]+$", key))])
    error_message = "Environment keys (lambda_environment and each route's environment) must be 2 or more letters, digits and '_' starting with a letter, as Lambda requires."
  }

  # Lambda developer guide, "Defined runtime environment variables": Lambda
  # sets these itself and refuses them in a function's configuration.
  validation {
    condition = length(setintersection(keys(var.environment_variables), [
      "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
      "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
      "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
      "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
      "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
    ])) == 0
    error_message = "Environment keys (lambda_environment and each route's environment) must not be Lambda's reserved keys, which it sets itself: _HANDLER, _X_AMZN_TRACE_ID, AWS_DEFAULT_REGION, AWS_REGION, AWS_EXECUTION_ENV, AWS_LAMBDA_FUNCTION_NAME, AWS_LAMBDA_FUNCTION_MEMORY_SIZE, AWS_LAMBDA_FUNCTION_VERSION, AWS_LAMBDA_INITIALIZATION_TYPE, AWS_LAMBDA_LOG_GROUP_NAME, AWS_LAMBDA_LOG_STREAM_NAME, AWS_ACCESS_KEY, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_LAMBDA_RUNTIME_API, LAMBDA_TASK_ROOT, LAMBDA_RUNTIME_DIR."
  }

  # Lambda measures the variables as one JSON object, at most 4 KB. Terraform
  # checks this once every value is known: at plan, or, when a value comes
  # from a resource not created yet, at apply before the function is created.
  validation {
    condition     = length(jsonencode(var.environment_variables)) <= 4096
    error_message = "A function's environment (lambda_environment, its route's environment and the module's own variables) must be at most 4 KB written as JSON, Lambda's limit for all of a function's variables together."
  }
}

variable "reserved_concurrent_executions" {
  description = "Concurrent executions reserved for the function, or `null` (default) to share the account's pool."
  type        = number
  default     = null
}

variable "tracing_mode" {
  description = "X-Ray tracing mode: `Active`, `PassThrough`, or `null` (default) for Lambda's default, `PassThrough`, without X-Ray rights."
  type        = string
  default     = null

  validation {
    condition     = var.tracing_mode == null || contains(["Active", "PassThrough"], coalesce(var.tracing_mode, "Active"))
    error_message = "The tracing_mode must be null, Active or PassThrough."
  }
}

variable "tags" {
  description = "Tags to set on the function, its role and its log group, as a map of `key = value`."
  type        = map(string)
  default     = {}
  nullable    = false
}

################################################################################
# IAM
################################################################################

variable "policy_statements" {
  description = "The only `Allow` statements the function's role gets besides writing its own logs: each with `actions` and `resources` lists (no wildcard resource unless AWS offers nothing narrower) and optional `conditions`, IAM's `Condition` element as `{ operator = { key = [values] } }`."
  type = list(object({
    sid        = string
    actions    = list(string)
    resources  = list(string)
    conditions = optional(map(map(list(string))), {})
  }))
  default  = []
  nullable = false

  validation {
    condition     = alltrue([for statement in var.policy_statements : can(regex("^[A-Za-z0-9]+$", statement.sid))])
    error_message = "Each statement sid must be alphanumeric, as IAM requires."
  }

  # An operator such as StringEquals, ArnLike or ForAnyValue:StringLike, with
  # an optional IfExists: IAM User Guide, "IAM JSON policy elements: Condition
  # operators".
  validation {
    condition = alltrue(flatten([
      for statement in var.policy_statements : [
        for operator in keys(statement.conditions) : can(regex("^((ForAllValues|ForAnyValue):)?[A-Za-z]+$", operator))
      ]
    ]))
    error_message = "Each statement's conditions must be keyed by IAM condition operators such as StringEquals, StringLike or ForAnyValue:StringLike."
  }
}

variable "role_permissions_boundary_arn" {
  description = "ARN of a managed policy to set as the role's permissions boundary, or `null` (default) for none."
  type        = string
  default     = null
}

################################################################################
# Logging
################################################################################

variable "log_retention_in_days" {
  description = "Days CloudWatch keeps the function's logs; one of CloudWatch's allowed values, `0` for never expire."
  type        = number
}

variable "application_log_level" {
  description = "Lowest level of the function's own log lines that Lambda keeps: `TRACE`, `DEBUG`, `INFO`, `WARN`, `ERROR`, `FATAL`, or `null` (default) for Lambda's default, `INFO`."
  type        = string
  default     = null

  validation {
    condition     = var.application_log_level == null || contains(["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"], coalesce(var.application_log_level, "INFO"))
    error_message = "The application_log_level must be null, TRACE, DEBUG, INFO, WARN, ERROR or FATAL."
  }
}

variable "system_log_level" {
  description = "Lowest level of Lambda's own log lines about the function that it keeps: `DEBUG`, `INFO`, `WARN`, or `null` (default) for Lambda's default, `INFO`."
  type        = string
  default     = null

  validation {
    condition     = var.system_log_level == null || contains(["DEBUG", "INFO", "WARN"], coalesce(var.system_log_level, "INFO"))
    error_message = "The system_log_level must be null, DEBUG, INFO or WARN."
  }
}

variable "kms_key_arn" {
  description = "ARN of a KMS key to encrypt the log group with, or `null` (default) for CloudWatch's own encryption."
  type        = string
  default     = null
}
