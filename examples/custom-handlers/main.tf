provider "aws" {
  region = "eu-west-1"
}

module "websocket" {
  source = "../../"

  name = "websocket-chat"

  # src/ holds this stack's own package (chat/) and is zipped as every
  # function's code; the module's websocket_handlers, which chat imports and
  # the default routes run, comes with the layer the module adds to every
  # function.
  lambda_source_dir = "${path.module}/src"

  routes = {
    broadcast = {
      handler            = "chat.broadcast.handler"
      timeout            = 29
      dynamodb_actions   = ["dynamodb:Scan", "dynamodb:DeleteItem"]
      manage_connections = true
    }
  }
}
