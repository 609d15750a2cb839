# The connections table: one item per open connection, keyed by the names the
# handlers read and write, expired by TTL because $disconnect is best-effort.
# The first run checks the names the module gives the table; the others plan
# modules/connections-table with those names, because a run's assertions see
# only the root module's own resources, locals and outputs, not those inside
# its modules. Plan only, AWS provider mocked.

mock_provider "aws" {}

variables {
  name = "chat"
}

run "module_table" {
  command = plan

  assert {
    condition     = module.connections_table.table_name == "chat-connections"
    error_message = "The table must be named <name>-connections, got ${module.connections_table.table_name}."
  }

  assert {
    condition     = module.connections_table.table_hash_key == "connectionId"
    error_message = "The table's hash key must be connectionId, the attribute the handlers key items by, got ${module.connections_table.table_hash_key}."
  }

  assert {
    condition     = module.connections_table.table_ttl_attribute_name == "ttl"
    error_message = "The table's TTL attribute must be ttl, the attribute the handlers write, got ${module.connections_table.table_ttl_attribute_name}."
  }

  assert {
    condition     = output.connections_table_name == "chat-connections"
    error_message = "connections_table_name must name the table, got ${output.connections_table_name}."
  }
}

run "table_defaults" {
  command = plan

  module {
    source = "./modules/connections-table"
  }

  variables {
    name               = "chat-connections"
    hash_key           = "connectionId"
    ttl_attribute_name = "ttl"
  }

  assert {
    condition     = aws_dynamodb_table.this.billing_mode == "PAY_PER_REQUEST"
    error_message = "The table must be billed per request: connections come and go, there is no capacity to provision."
  }

  assert {
    condition     = aws_dynamodb_table.this.hash_key == "connectionId" && jsonencode(aws_dynamodb_table.this.attribute) == jsonencode([{ name = "connectionId", type = "S" }])
    error_message = "The table's only key must be the string attribute connectionId, got ${jsonencode(aws_dynamodb_table.this.attribute)}."
  }

  assert {
    condition     = jsonencode(aws_dynamodb_table.this.ttl) == jsonencode([{ attribute_name = "ttl", enabled = true }])
    error_message = "TTL must be on, on the ttl attribute, got ${jsonencode(aws_dynamodb_table.this.ttl)}."
  }

  assert {
    condition     = aws_dynamodb_table.this.point_in_time_recovery[0].enabled == true
    error_message = "Point-in-time recovery must be on by default."
  }

  assert {
    condition     = aws_dynamodb_table.this.server_side_encryption[0].enabled == false && aws_dynamodb_table.this.deletion_protection_enabled == false
    error_message = "By default the table must use the AWS owned key and be deletable."
  }
}

run "table_options" {
  command = plan

  module {
    source = "./modules/connections-table"
  }

  variables {
    name                           = "chat-connections"
    hash_key                       = "connectionId"
    ttl_attribute_name             = "ttl"
    point_in_time_recovery_enabled = false
    deletion_protection_enabled    = true
    kms_key_arn                    = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  }

  assert {
    condition     = aws_dynamodb_table.this.point_in_time_recovery[0].enabled == false
    error_message = "point_in_time_recovery_enabled = false must switch point-in-time recovery off."
  }

  assert {
    condition     = aws_dynamodb_table.this.deletion_protection_enabled == true
    error_message = "deletion_protection_enabled = true must protect the table."
  }

  assert {
    condition     = jsonencode(aws_dynamodb_table.this.server_side_encryption) == jsonencode([{ enabled = true, kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab" }])
    error_message = "kms_key_arn must encrypt the table with that key, got ${jsonencode(aws_dynamodb_table.this.server_side_encryption)}."
  }
}
