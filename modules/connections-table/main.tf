################################################################################
# Connections table
################################################################################

# One item per open WebSocket connection. Items carry an expiry time because
# $disconnect is best-effort: TTL removes what a lost $disconnect leaves behind.
resource "aws_dynamodb_table" "this" {
  #checkov:skip=CKV_AWS_119:A customer managed KMS key is an input (kms_key_arn), off by default; without it the table is encrypted with the AWS owned key.
  name                        = var.name
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = var.hash_key
  deletion_protection_enabled = var.deletion_protection_enabled

  attribute {
    name = var.hash_key
    type = "S"
  }

  ttl {
    attribute_name = var.ttl_attribute_name
    enabled        = true
  }

  # Data is always encrypted at rest; `enabled` only switches from the AWS
  # owned key to the customer managed key given in kms_key_arn.
  server_side_encryption {
    enabled     = var.kms_key_arn != null
    kms_key_arn = var.kms_key_arn
  }

  point_in_time_recovery {
    enabled = var.point_in_time_recovery_enabled
  }

  tags = var.tags
}
