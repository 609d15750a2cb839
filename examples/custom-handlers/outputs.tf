output "stage_invoke_url" {
  description = "The `wss://` URL clients connect to."
  value       = module.websocket.stage_invoke_url
}

output "function_names" {
  description = "Name of each route's Lambda function, by route key, the broadcast one among them."
  value       = module.websocket.function_names
}

output "route_handlers" {
  description = "Python handler of each route, by route key."
  value       = module.websocket.route_handlers
}
