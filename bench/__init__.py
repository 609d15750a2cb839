"""`make bench`: the local gateway measured against a raw echo server and serverless-offline."""
