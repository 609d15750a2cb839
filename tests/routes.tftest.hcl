# The routes the API serves and the function behind each: the defaults of
# default_routes.json, the routes a user adds or replaces, and the inputs the
# module refuses before anything is created.
#
# Like every *.tftest.hcl here: run from the module's root with
# `terraform init && terraform test` (Terraform 1.11 or later, for
# override_during). Plans only; the AWS provider is mocked, so no credentials
# are needed and nothing is created, while the archive provider is real and
# builds the zips. `make test` runs them through the stand-in providers
# (tests/plan_apply/test_terraform_test.py).

mock_provider "aws" {}

variables {
  name = "chat"
}

run "default_routes" {
  command = plan

  assert {
    condition = output.route_handlers == {
      "$connect"    = "websocket_handlers.connect.handler"
      "$disconnect" = "websocket_handlers.disconnect.handler"
      "$default"    = "websocket_handlers.echo.handler"
    }
    error_message = "Without var.routes the module must serve $connect, $disconnect and $default with the websocket_handlers handlers, got ${jsonencode(output.route_handlers)}."
  }

  assert {
    condition     = toset(keys(output.route_ids)) == toset(["$connect", "$disconnect", "$default"])
    error_message = "The API must have exactly the three default routes, got ${jsonencode(keys(output.route_ids))}."
  }

  assert {
    condition = output.function_names == {
      "$connect"    = "chat-connect"
      "$disconnect" = "chat-disconnect"
      "$default"    = "chat-default"
    }
    error_message = "Each route's function must be named <name>-<route key without $>, got ${jsonencode(output.function_names)}."
  }
}

# An added route with every optional attribute set, and $default replaced.
# What a function gets and may do: functions.tftest.hcl, grants.tftest.hcl.
run "custom_routes" {
  command = plan

  variables {
    routes = {
      sendmessage = {
        handler            = "websocket_handlers.echo.handler"
        memory_size        = 256
        timeout            = 20
        two_way_response   = true
        dynamodb_actions   = ["dynamodb:Query"]
        manage_connections = true
      }
      "$default" = {
        handler = "websocket_handlers.connect.handler"
      }
    }
  }

  assert {
    condition = output.route_handlers == {
      "$connect"    = "websocket_handlers.connect.handler"
      "$disconnect" = "websocket_handlers.disconnect.handler"
      "$default"    = "websocket_handlers.connect.handler"
      "sendmessage" = "websocket_handlers.echo.handler"
    }
    error_message = "var.routes must add sendmessage and replace $default whole, keeping the other defaults, got ${jsonencode(output.route_handlers)}."
  }

  assert {
    condition     = toset(keys(output.route_ids)) == toset(["$connect", "$disconnect", "$default", "sendmessage"])
    error_message = "The API must have a route for each default and added key, got ${jsonencode(keys(output.route_ids))}."
  }

  assert {
    condition     = output.function_names["sendmessage"] == "chat-sendmessage"
    error_message = "An added route's function must be named <name>-<route key>, got ${output.function_names["sendmessage"]}."
  }
}

# Each run below gives one bad value; the plan must stop at the input that
# holds it, before any resource is planned.

run "rejects_route_key_with_a_space" {
  command = plan

  variables {
    routes = { "send message" = { handler = "websocket_handlers.echo.handler" } }
  }

  expect_failures = [var.routes]
}

run "rejects_route_keys_that_differ_only_in_case" {
  command = plan

  variables {
    routes = {
      Chat = { handler = "websocket_handlers.echo.handler" }
      chat = { handler = "websocket_handlers.echo.handler" }
    }
  }

  expect_failures = [var.routes]
}

run "rejects_handler_that_is_not_a_dotted_path" {
  command = plan

  variables {
    routes = { sendmessage = { handler = "echo" } }
  }

  expect_failures = [var.routes]
}

run "rejects_dynamodb_wildcard" {
  command = plan

  variables {
    routes = { sendmessage = { handler = "websocket_handlers.echo.handler", dynamodb_actions = ["dynamodb:*"] } }
  }

  expect_failures = [var.routes]
}

# CONNECTIONS_TABLE, CONNECTION_TTL_SECONDS and MANAGEMENT_API_ENDPOINT are
# the module's: neither a route's environment nor lambda_environment may set
# them (the run passes only if both inputs are refused).
run "rejects_environment_the_module_sets" {
  command = plan

  variables {
    routes             = { sendmessage = { handler = "websocket_handlers.echo.handler", environment = { CONNECTIONS_TABLE = "other" } } }
    lambda_environment = { MANAGEMENT_API_ENDPOINT = "https://example.com" }
  }

  expect_failures = [var.routes, var.lambda_environment]
}

# A handler whose module is neither in lambda_source_dir nor in the layer
# would fail every invocation; the plan refuses it.
run "rejects_handler_lambda_cannot_import" {
  command = plan

  variables {
    routes = { sendmessage = { handler = "chat.nowhere.handler" } }
  }

  expect_failures = [data.archive_file.handlers_layer]
}
