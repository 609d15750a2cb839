# What each route's function may do: only the DynamoDB actions its route names,
# on the connections table only; sending to clients (ManageConnections) on this
# API's stage only, for the routes that ask; kms:Decrypt through DynamoDB when
# the table has a customer managed key. These are the statements the module
# passes to each function's role (modules/lambda-function adds only its own
# log writing, see functions.tftest.hcl). Plan only, AWS provider mocked: the
# table's and the API's ARNs, which AWS assigns, are fixed here and known at
# plan time (override_during).

mock_provider "aws" {
  override_during = plan

  mock_resource "aws_dynamodb_table" {
    defaults = {
      arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/chat-connections"
    }
  }

  mock_resource "aws_apigatewayv2_api" {
    defaults = {
      api_endpoint  = "wss://abc123.execute-api.eu-west-1.amazonaws.com"
      execution_arn = "arn:aws:execute-api:eu-west-1:123456789012:abc123"
    }
  }
}

variables {
  name = "chat"
}

run "default_grants" {
  command = plan

  assert {
    condition = jsonencode(local.route_policy_statements["$connect"]) == jsonencode([{
      sid       = "ConnectionsTable"
      actions   = ["dynamodb:PutItem"]
      resources = ["arn:aws:dynamodb:eu-west-1:123456789012:table/chat-connections"]
    }])
    error_message = "$connect may only put items into the connections table, got ${jsonencode(local.route_policy_statements["$connect"])}."
  }

  assert {
    condition = jsonencode(local.route_policy_statements["$disconnect"]) == jsonencode([{
      sid       = "ConnectionsTable"
      actions   = ["dynamodb:DeleteItem"]
      resources = ["arn:aws:dynamodb:eu-west-1:123456789012:table/chat-connections"]
    }])
    error_message = "$disconnect may only delete items from the connections table, got ${jsonencode(local.route_policy_statements["$disconnect"])}."
  }

  # $default echoes through @connections and deletes the record of a client
  # that is gone (410).
  assert {
    condition = jsonencode(local.route_policy_statements["$default"]) == jsonencode([
      {
        sid       = "ConnectionsTable"
        actions   = ["dynamodb:DeleteItem"]
        resources = ["arn:aws:dynamodb:eu-west-1:123456789012:table/chat-connections"]
      },
      {
        sid     = "ManageConnections"
        actions = ["execute-api:ManageConnections"]
        resources = [
          "arn:aws:execute-api:eu-west-1:123456789012:abc123/dev/POST/@connections/*",
          "arn:aws:execute-api:eu-west-1:123456789012:abc123/dev/GET/@connections/*",
          "arn:aws:execute-api:eu-west-1:123456789012:abc123/dev/DELETE/@connections/*",
        ]
      },
    ])
    error_message = "$default may delete items and use @connections on this API's stage only, got ${jsonencode(local.route_policy_statements["$default"])}."
  }

  assert {
    condition     = output.connections_table_arn == "arn:aws:dynamodb:eu-west-1:123456789012:table/chat-connections"
    error_message = "connections_table_arn must be the table's ARN, the resource of every DynamoDB grant."
  }

  assert {
    condition     = output.stage_execution_arn == "arn:aws:execute-api:eu-west-1:123456789012:abc123/dev"
    error_message = "stage_execution_arn must be the API's execution ARN and the stage, the prefix of the ManageConnections grant."
  }
}

run "custom_route_grants" {
  command = plan

  variables {
    stage_name = "prod"
    routes = {
      sendmessage = {
        handler            = "websocket_handlers.echo.handler"
        dynamodb_actions   = ["dynamodb:Query", "dynamodb:GetItem"]
        manage_connections = true
      }
      "$default" = {
        handler = "websocket_handlers.echo.handler"
      }
    }
  }

  assert {
    condition     = length(local.route_policy_statements["$default"]) == 0
    error_message = "A route that names no DynamoDB actions and does not manage connections must get no statement, got ${jsonencode(local.route_policy_statements["$default"])}."
  }

  assert {
    condition = jsonencode(local.route_policy_statements["sendmessage"]) == jsonencode([
      {
        sid       = "ConnectionsTable"
        actions   = ["dynamodb:Query", "dynamodb:GetItem"]
        resources = ["arn:aws:dynamodb:eu-west-1:123456789012:table/chat-connections"]
      },
      {
        sid     = "ManageConnections"
        actions = ["execute-api:ManageConnections"]
        resources = [
          "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/POST/@connections/*",
          "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/@connections/*",
          "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/DELETE/@connections/*",
        ]
      },
    ])
    error_message = "sendmessage must get exactly its DynamoDB actions and ManageConnections on the prod stage, got ${jsonencode(local.route_policy_statements["sendmessage"])}."
  }
}

run "customer_managed_key_grants" {
  command = plan

  variables {
    kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    routes = {
      "$default" = {
        handler            = "websocket_handlers.echo.handler"
        manage_connections = true
      }
    }
  }

  assert {
    condition = jsonencode(local.route_policy_statements["$connect"]) == jsonencode([
      {
        sid       = "ConnectionsTable"
        actions   = ["dynamodb:PutItem"]
        resources = ["arn:aws:dynamodb:eu-west-1:123456789012:table/chat-connections"]
      },
      {
        sid        = "ConnectionsTableKey"
        actions    = ["kms:Decrypt"]
        resources  = ["arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"]
        conditions = { StringLike = { "kms:ViaService" = ["dynamodb.eu-west-1.*"] } }
      },
    ])
    error_message = "With a customer managed key, a route that uses the table must get kms:Decrypt on that key through DynamoDB in its region only, got ${jsonencode(local.route_policy_statements["$connect"])}."
  }

  assert {
    condition     = [for statement in local.route_policy_statements["$default"] : statement.sid] == ["ManageConnections"]
    error_message = "A route that does not use the table must not get kms:Decrypt, got ${jsonencode(local.route_policy_statements["$default"])}."
  }
}

# A route's own policy_statements land on its role after the module's, and on
# no other route's; a statement without a sid is Statement<n>.
run "route_policy_statements_grants" {
  command = plan

  variables {
    routes = {
      notify = {
        handler = "websocket_handlers.echo.handler"
        policy_statements = [
          {
            sid       = "PublishAlerts"
            actions   = ["sns:Publish"]
            resources = ["arn:aws:sns:eu-west-1:123456789012:alerts"]
          },
          {
            actions    = ["secretsmanager:GetSecretValue"]
            resources  = ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:chat-token-AbCdEf"]
            conditions = { StringEquals = { "secretsmanager:VersionStage" = ["AWSCURRENT"] } }
          },
        ]
      }
    }
  }

  assert {
    condition = jsonencode(local.route_policy_statements["notify"]) == jsonencode([
      {
        sid        = "PublishAlerts"
        actions    = ["sns:Publish"]
        resources  = ["arn:aws:sns:eu-west-1:123456789012:alerts"]
        conditions = {}
      },
      {
        sid        = "Statement2"
        actions    = ["secretsmanager:GetSecretValue"]
        resources  = ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:chat-token-AbCdEf"]
        conditions = { StringEquals = { "secretsmanager:VersionStage" = ["AWSCURRENT"] } }
      },
    ])
    error_message = "notify must get exactly its two policy_statements, the second named Statement2, got ${jsonencode(local.route_policy_statements["notify"])}."
  }

  assert {
    condition = alltrue([
      for key in ["$connect", "$disconnect", "$default"] : !contains([for statement in local.route_policy_statements[key] : statement.sid], "PublishAlerts")
    ])
    error_message = "A route's policy_statements must reach no other route's role."
  }
}

# An extra statement with a wildcard action is refused at plan time.
run "route_policy_statement_wildcard_refused" {
  command = plan

  variables {
    routes = {
      notify = {
        handler           = "websocket_handlers.echo.handler"
        policy_statements = [{ actions = ["sns:*"], resources = ["arn:aws:sns:eu-west-1:123456789012:alerts"] }]
      }
    }
  }

  expect_failures = [var.routes]
}
