provider "aws" {
  region = "eu-west-1"
}

module "websocket" {
  source = "../../"

  name = "websocket-chat"

  # src/ holds this stack's own package (chat/) beside the module's handlers
  # (websocket_handlers/, a symlink), and is zipped as every function's code.
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
