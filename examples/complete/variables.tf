# The custom domain needs a public Route 53 hosted zone you own: set both
# before applying (terraform.tfvars or -var). The defaults are placeholders
# that plan but cannot apply.
variable "domain_name" {
  description = "Custom domain name clients connect to, a name in the zone `hosted_zone_id` such as `ws.example.com`."
  type        = string
  default     = "ws.example.com"
}

variable "hosted_zone_id" {
  description = "ID of the public Route 53 hosted zone of `domain_name`, such as `Z0123456789ABCDEFGHIJ`: it gets the certificate's validation record and the domain's alias record."
  type        = string
  default     = "Z0123456789ABCDEFGHIJ"
}
