# Inputs that a user of the root module sets are validated there, where the
# error can name the user's own variable; this module checks the rest.

################################################################################
# Functions
################################################################################

variable "function_name" {
  description = "Name of the function, also used for its role and its log group: `1` to `64` characters from `a-z`, `A-Z`, `0-9`, `-` and `_`."
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
  description = "Environment variables of the function, as a map of `NAME = value`."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "reserved_concurrent_executions" {
  description = "Concurrent executions reserved for the function, or `null` (default) to share the account's pool."
  type        = number
  default     = null
}

variable "tracing_mode" {
  description = "X-Ray tracing mode: `Active`, `PassThrough`, or `null` (default) for no tracing configuration."
  type        = string
  default     = null
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
  description = "The only `Allow` statements the function's role gets besides writing its own logs: each with `actions` and `resources` lists (no wildcard resource unless AWS offers nothing narrower)."
  type = list(object({
    sid       = string
    actions   = list(string)
    resources = list(string)
  }))
  default  = []
  nullable = false

  validation {
    condition     = alltrue([for statement in var.policy_statements : can(regex("^[A-Za-z0-9]+$", statement.sid))])
    error_message = "Each statement sid must be alphanumeric, as IAM requires."
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

variable "kms_key_arn" {
  description = "ARN of a KMS key to encrypt the log group with, or `null` (default) for CloudWatch's own encryption."
  type        = string
  default     = null
}
