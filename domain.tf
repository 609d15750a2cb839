################################################################################
# Custom domain
################################################################################

# The region the API is created in: `region` in aws 6.x, `name` in 5.x (which
# 6.x deprecates); looked up in the whole object, neither version warns. The
# preconditions refuse, at plan time, the combinations that AWS would refuse
# at apply or that would leave the API unreachable.
data "aws_region" "domain" {
  lifecycle {
    precondition {
      condition     = (var.domain_name == null) == (var.domain_name_certificate_arn == null)
      error_message = "The domain_name and domain_name_certificate_arn go together: API Gateway serves a custom domain name only with an ACM certificate for it, and a certificate without a domain_name has no use."
    }
    precondition {
      condition     = var.domain_name != null || (var.domain_name_hosted_zone_id == null && var.api_mapping_key == null)
      error_message = "The domain_name_hosted_zone_id and api_mapping_key apply to a custom domain name: set domain_name too, or leave them null."
    }
    # "Disable the default endpoint for WebSocket APIs": with it off, clients
    # reach the API through a custom domain name only.
    precondition {
      condition     = !var.disable_execute_api_endpoint || var.domain_name != null
      error_message = "The disable_execute_api_endpoint = true needs a domain_name: with API Gateway's execute-api endpoint off, a custom domain name is the only way clients and the functions' @connections calls reach the API."
    }
    # A Regional custom domain name serves a certificate of its own region
    # only: "Regional custom domain names must use an SSL/TLS certificate
    # that's in the same AWS Region as your API" (AWS Knowledge Center, "How do
    # I define a custom domain name for my API Gateway API?"). Refused here, at
    # plan time, rather than by CreateDomainName halfway through an apply.
    postcondition {
      condition     = local.certificate_region == null || local.certificate_region == lookup(self, "region", lookup(self, "name", null))
      error_message = "The domain_name_certificate_arn is in region ${coalesce(local.certificate_region, "-")}, but the API is created in ${lookup(self, "region", lookup(self, "name", "-"))}: a WebSocket API's custom domain name is Regional and needs an ACM certificate of the API's own region (request or import one there)."
    }
  }
}

locals {
  # The fourth field of an ARN is its region.
  certificate_region = try(split(":", var.domain_name_certificate_arn)[3], null)

  # The custom domain's base: the host, then the mapping's path. The mapping
  # selects the stage, so no stage name follows ("Map API stages to a custom
  # domain name for WebSocket APIs": a stage mapped to wss://api.example.com/orders).
  domain_base = var.domain_name == null ? null : join("/", compact([var.domain_name, var.api_mapping_key]))

  # Where the functions and a backend send @connections requests. API
  # Gateway's own endpoint names the stage in its path
  # (https://{api-id}.execute-api.{region}.{dns-suffix}/{stage}: "Use
  # @connections commands in your backend service"). With that endpoint
  # disabled, the only way in is the custom domain and its mapping path, with
  # no stage: the Management API's endpoint "will be the endpoint
  # corresponding to your API's custom domain and base path, if applicable"
  # (boto3/botocore reference, ApiGatewayManagementApi; boto/botocore#2218).
  # A stage name after the custom domain is a route that does not exist
  # ("No method found matching route prod/@connections/...":
  # aws/aws-lambda-dotnet#553, aws-samples/simple-websockets-chat-app#40),
  # and the disabled execute-api host answers 403 Forbidden
  # (aws/aws-sdk-net#1860, where https://<custom domain>/@connections/<id>
  # works). The API's api_endpoint still reads execute-api when disabled
  # (aws/aws-cdk#12426), so it is not used then.
  management_api_endpoint = (
    var.disable_execute_api_endpoint
    ? "https://${local.domain_base}"
    : module.api.management_api_endpoint
  )
}

module "custom_domain" {
  source = "./modules/custom-domain"
  count  = var.domain_name == null ? 0 : 1

  domain_name     = var.domain_name
  certificate_arn = var.domain_name_certificate_arn
  hosted_zone_id  = var.domain_name_hosted_zone_id

  api_id          = module.api.api_id
  stage_name      = module.api.stage_name
  api_mapping_key = var.api_mapping_key

  tags = var.tags
}
