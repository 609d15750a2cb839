"""This stack's own handlers, deployed beside the module's `websocket_handlers`."""
