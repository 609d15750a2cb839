################################################################################
# IAM
################################################################################

variable "role_name" {
  description = "Name of the role API Gateway writes logs with, or `null` (default) for a name AWS makes unique from the prefix `api-gateway-cloudwatch-logs-` (IAM names are account-wide, and each region needs its own role)."
  type        = string
  default     = null

  validation {
    condition     = var.role_name == null || can(regex("^[\\w+=,.@-]{1,64}$", var.role_name))
    error_message = "The role_name must be null or 1 to 64 letters, digits and +=,.@_- (IAM's role name rule)."
  }
}

variable "role_permissions_boundary_arn" {
  description = "ARN of an IAM policy to set as the role's permissions boundary, or `null` (default) for none."
  type        = string
  default     = null

  validation {
    condition     = var.role_permissions_boundary_arn == null || can(regex("^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/", var.role_permissions_boundary_arn))
    error_message = "The role_permissions_boundary_arn must be null or an IAM policy ARN (arn:aws:iam::<account>:policy/...)."
  }
}

variable "tags" {
  description = "Tags to set on the role, as a map of `key = value`."
  type        = map(string)
  default     = {}
  nullable    = false
}
