# Inputs that a user of the root module sets are validated there, where the
# error can name the user's own variable; this module checks the rest.

################################################################################
# Custom domain
################################################################################

variable "domain_name" {
  description = "The custom domain name clients connect to, such as `ws.example.com`."
  type        = string
}

variable "certificate_arn" {
  description = "ARN of the ACM certificate for `domain_name`, in the API's own region (a Regional domain name serves only a certificate of its region)."
  type        = string
}

variable "api_id" {
  description = "Identifier of the WebSocket API to map onto the domain name."
  type        = string
}

variable "stage_name" {
  description = "Name of the stage the mapping serves; the stage must exist before the mapping, so pass the stage resource's own attribute."
  type        = string
}

variable "api_mapping_key" {
  description = "Path under the domain name that selects this API's stage (`wss://<domain>/<key>`), or `null` (default) for the domain's root."
  type        = string
  default     = null
}

variable "hosted_zone_id" {
  description = "Route 53 hosted zone in which to create the domain's alias record, or `null` (default) when the DNS record is made elsewhere."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags to set on the domain name, as a map of `key = value`."
  type        = map(string)
  default     = {}
  nullable    = false
}
