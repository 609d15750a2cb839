"""Lambda handlers for an API Gateway WebSocket API.

The package is the root of the deployment zip. Each route's function imports one
handler module (`connect`, `disconnect`, `echo`); the other modules are the small
pieces those handlers share: settings, the event accessor, logging, responses,
the DynamoDB connection store, the `@connections` sender, and `contract`, which
reads `contract.json`: the names and limits the Terraform module and the local
gateway share with the handlers.
"""
