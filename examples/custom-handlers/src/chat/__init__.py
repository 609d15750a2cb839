"""This stack's own handlers; they import the module's `websocket_handlers` from its layer."""
