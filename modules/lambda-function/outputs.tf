################################################################################
# Functions
################################################################################

output "function_name" {
  description = "Name of the function, for the API Gateway permission that lets it be invoked."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "ARN of the function."
  value       = aws_lambda_function.this.arn
}

output "function_invoke_arn" {
  description = "ARN API Gateway invokes the function through, the integration URI of its route."
  value       = aws_lambda_function.this.invoke_arn
}

################################################################################
# IAM
################################################################################

output "role_arn" {
  description = "ARN of the function's own execution role, to attach further policies to."
  value       = aws_iam_role.this.arn
}

output "role_name" {
  description = "Name of the function's own execution role."
  value       = aws_iam_role.this.name
}

################################################################################
# Logging
################################################################################

output "log_group_name" {
  description = "Name of the log group the function writes JSON logs to."
  value       = aws_cloudwatch_log_group.this.name
}

output "log_group_arn" {
  description = "ARN of the log group the function writes JSON logs to."
  value       = aws_cloudwatch_log_group.this.arn
}
