################################################################################
# Connections table
################################################################################

variable "name" {
  description = "Name of the DynamoDB table: `3` to `255` characters from `a-z`, `A-Z`, `0-9`, `_`, `-` and `.`."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9_.-]{3,255}$", var.name))
    error_message = "The name must be 3 to 255 characters from a-z, A-Z, 0-9, '_', '-' and '.'."
  }
}

variable "hash_key" {
  description = "Name of the string partition key that holds the connection id; the handlers use `connectionId`."
  type        = string
  default     = "connectionId"

  validation {
    condition     = can(regex("^[a-zA-Z0-9_.-]{1,255}$", var.hash_key))
    error_message = "The hash key must be 1 to 255 characters from a-z, A-Z, 0-9, '_', '-' and '.'."
  }
}

variable "ttl_attribute_name" {
  description = "Name of the Number attribute (epoch seconds) after which DynamoDB deletes an item; the handlers write `ttl`."
  type        = string
  default     = "ttl"

  validation {
    condition     = can(regex("^[a-zA-Z0-9_.-]{1,255}$", var.ttl_attribute_name))
    error_message = "The TTL attribute name must be 1 to 255 characters from a-z, A-Z, 0-9, '_', '-' and '.'."
  }
}

variable "kms_key_arn" {
  description = "ARN of a customer managed KMS key to encrypt the table with, or `null` for the AWS owned key (free)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "The kms_key_arn must be null or a KMS key ARN (arn:aws:kms:...)."
  }
}

variable "point_in_time_recovery_enabled" {
  description = "Whether point-in-time recovery keeps 35 days of continuous backups: `true` (default) or `false`."
  type        = bool
  default     = true
  nullable    = false
}

variable "deletion_protection_enabled" {
  description = "Whether AWS refuses to delete the table until this is switched off: `true` or `false` (default)."
  type        = bool
  default     = false
  nullable    = false
}

variable "tags" {
  description = "Tags to set on the table, as a map of `key = value`."
  type        = map(string)
  default     = {}
  nullable    = false
}
