################################################################################
# Custom domain
################################################################################

output "domain_name" {
  description = "The custom domain name, as API Gateway holds it."
  value       = aws_apigatewayv2_domain_name.this.domain_name
}

output "domain_name_arn" {
  description = "ARN of the API Gateway domain name, for tagging and IAM policies on it."
  value       = aws_apigatewayv2_domain_name.this.arn
}

output "target_domain_name" {
  description = "The Regional domain name API Gateway made for the custom name, which a DNS alias or CNAME record points at."
  value       = aws_apigatewayv2_domain_name.this.domain_name_configuration[0].target_domain_name
}

output "hosted_zone_id" {
  description = "Route 53 hosted zone of `target_domain_name`, the zone of an alias record to it."
  value       = aws_apigatewayv2_domain_name.this.domain_name_configuration[0].hosted_zone_id
}

output "api_mapping_id" {
  description = "Identifier of the API mapping of the stage onto the domain name."
  value       = aws_apigatewayv2_api_mapping.this.id
}

output "record_fqdn" {
  description = "Name of the Route 53 alias record, or `null` when `hosted_zone_id` is `null`."
  value       = one(aws_route53_record.this[*].fqdn)
}
