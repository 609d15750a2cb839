# $connect authorization (connect_authorization): off by default, an authorizer
# the module builds or an existing function, AWS_IAM, and the combinations the
# module refuses before anything is created. Plans only, the AWS provider
# mocked (see routes.tftest.hcl); what the built authorizer's role may do and
# the permission's source ARN are proved on applied state in
# tests/plan_apply/test_authorizer.py.

mock_provider "aws" {}

variables {
  name = "chat"
}

run "anyone_may_connect_by_default" {
  command = plan

  assert {
    condition     = output.connect_authorizer_function_name == null && output.connect_authorizer_role_arn == null
    error_message = "Without connect_authorization the module must build no authorizer function."
  }
}

run "builds_the_example_authorizer" {
  command = plan

  variables {
    connect_authorization = {
      type       = "CUSTOM"
      handler    = "websocket_handlers.authorizer.handler"
      secret_arn = "arn:aws:ssm:us-east-1:123456789012:parameter/chat/token-secret"
    }
  }

  assert {
    condition     = output.connect_authorizer_function_name == "chat-connect-authorizer"
    error_message = "A CUSTOM connect_authorization with a handler must build the function <name>-connect-authorizer, got ${jsonencode(output.connect_authorizer_function_name)}."
  }
}

run "uses_an_existing_function_without_building_one" {
  command = plan

  variables {
    connect_authorization = {
      type         = "CUSTOM"
      function_arn = "arn:aws:lambda:us-east-1:123456789012:function:shared-authorizer"
    }
  }

  assert {
    condition     = output.connect_authorizer_function_name == null
    error_message = "With a function_arn the module must build no authorizer function."
  }
}

run "aws_iam_builds_no_authorizer" {
  command = plan

  variables {
    connect_authorization = { type = "AWS_IAM" }
  }

  assert {
    condition     = output.connect_authorizer_function_name == null
    error_message = "AWS_IAM must build no authorizer function."
  }
}

run "rejects_custom_without_a_function" {
  command = plan

  variables {
    connect_authorization = { type = "CUSTOM" }
  }

  expect_failures = [var.connect_authorization]
}

run "rejects_identity_sources_with_aws_iam" {
  command = plan

  variables {
    connect_authorization = {
      type             = "AWS_IAM"
      identity_sources = ["route.request.header.Authorization"]
    }
  }

  expect_failures = [var.connect_authorization]
}

run "rejects_an_http_api_identity_source" {
  command = plan

  variables {
    connect_authorization = {
      type             = "CUSTOM"
      function_arn     = "arn:aws:lambda:us-east-1:123456789012:function:shared-authorizer"
      identity_sources = ["$request.header.Authorization"]
    }
  }

  expect_failures = [var.connect_authorization]
}
