################################################################################
# IAM
################################################################################

output "role_name" {
  description = "Name of the role API Gateway writes the region's logs with."
  value       = aws_iam_role.this.name
}

output "role_arn" {
  description = "ARN of the role API Gateway writes the region's logs with."
  value       = aws_iam_role.this.arn
}

################################################################################
# Logging
################################################################################

output "cloudwatch_logging_enabled" {
  description = "Always `true`, known at plan time, but available only once the region's setting is applied: pass it to a stage's logging switch (the root module's `access_log_enabled`) so that Terraform creates the stage after the setting."
  value       = true

  depends_on = [aws_api_gateway_account.this]
}
