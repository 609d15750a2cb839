# API Gateway writes a region's execution and access logs with one role, named
# in the region's account settings (cloudWatchRoleArn); until it is set, API
# Gateway refuses any stage that logs ("CloudWatch Logs role ARN must be set in
# account settings to enable logging"). The setting is region-wide, so this
# module is applied once per account and region, apart from the stacks that
# use it (README.md).

data "aws_partition" "current" {}

################################################################################
# IAM
################################################################################

resource "aws_iam_role" "this" {
  name                 = var.role_name
  name_prefix          = var.role_name == null ? "api-gateway-cloudwatch-logs-" : null
  description          = "Lets API Gateway write this region's API logs to CloudWatch Logs."
  permissions_boundary = var.role_permissions_boundary_arn

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "apigateway.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })

  tags = var.tags
}

# The AWS managed policy the API Gateway developer guide names for this role
# ("Permissions for CloudWatch logging"): API Gateway creates the log groups
# of execution logs itself, so it needs more than writing to a known group.
resource "aws_iam_role_policy_attachment" "this" {
  role       = aws_iam_role.this.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
}

################################################################################
# Logging
################################################################################

resource "aws_api_gateway_account" "this" {
  cloudwatch_role_arn = aws_iam_role.this.arn

  # API Gateway checks the role's trust and policy when the setting is made.
  depends_on = [aws_iam_role_policy_attachment.this]
}
