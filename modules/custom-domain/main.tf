################################################################################
# Custom domain
################################################################################

# A WebSocket API takes Regional custom domain names only, with TLS 1.2 as the
# only minimum TLS version (API Gateway developer guide, "Custom domain names
# for WebSocket APIs in API Gateway", Considerations); the certificate must be
# in the API's region ("Regional custom domain names must use an SSL/TLS
# certificate that's in the same AWS Region as your API": AWS Knowledge
# Center, "How do I define a custom domain name for my API Gateway API?").
resource "aws_apigatewayv2_domain_name" "this" {
  domain_name = var.domain_name

  domain_name_configuration {
    certificate_arn = var.certificate_arn
    endpoint_type   = "REGIONAL"
    security_policy = "TLS_1_2"
  }

  tags = var.tags
}

# The mapping selects the stage: a client of wss://<domain>/<key> reaches the
# mapped stage with no stage name in the path ("Map API stages to a custom
# domain name for WebSocket APIs": the production stage mapped to
# wss://api.example.com/orders). Without a key the domain's root is the stage,
# and the domain can then serve no other API.
resource "aws_apigatewayv2_api_mapping" "this" {
  api_id          = var.api_id
  domain_name     = aws_apigatewayv2_domain_name.this.id
  stage           = var.stage_name
  api_mapping_key = var.api_mapping_key
}

# An alias A record to the Regional domain name API Gateway made for the custom
# name ("Set up a Regional custom domain name in API Gateway"; Route 53
# AliasTarget: for a regional API, the domain's regionalHostedZoneId). No AAAA
# record: a custom domain name's IP address type is IPv4 unless dualstack is
# chosen ("IP address types for custom domain names for WebSocket APIs"), so an
# AAAA alias would resolve to nothing (amplify-education/serverless-domain-manager#588).
resource "aws_route53_record" "this" {
  count = var.hosted_zone_id == null ? 0 : 1

  zone_id = var.hosted_zone_id
  name    = aws_apigatewayv2_domain_name.this.domain_name
  type    = "A"

  alias {
    name                   = aws_apigatewayv2_domain_name.this.domain_name_configuration[0].target_domain_name
    zone_id                = aws_apigatewayv2_domain_name.this.domain_name_configuration[0].hosted_zone_id
    evaluate_target_health = false
  }
}
