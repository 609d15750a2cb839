"""An embedded DynamoDB (moto's threaded server) holding the connections table.

The table gets the key and TTL attribute the Terraform module gives it, taken from the
handlers' own constants, so a record written locally looks like one written on AWS.
"""

from __future__ import annotations

import logging

import boto3
from moto.server import ThreadedMotoServer

__all__ = ["HASH_KEY", "TTL_ATTRIBUTE", "EmbeddedDynamoDB"]

# The contract's names (websocket_handlers.connections.HASH_KEY / TTL_ATTRIBUTE); the
# gateway does not import the handlers, which run in their own processes.
HASH_KEY = "connectionId"
TTL_ATTRIBUTE = "ttl"


class EmbeddedDynamoDB:
    """moto's server on 127.0.0.1 and a free port, with the connections table created.

    Args:
        table_name: Name of the connections table.
        region: Region the table is created in (the handlers' region).
    """

    def __init__(self, *, table_name: str, region: str) -> None:
        self._table_name = table_name
        self._region = region
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.endpoint = ""

    def client(self):
        """A DynamoDB client for this server, with dummy credentials."""
        return boto3.client(
            "dynamodb",
            endpoint_url=self.endpoint,
            region_name=self._region,
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )

    def start(self) -> str:
        """Start the server, create the table and return the endpoint URL."""
        # werkzeug logs every request; the handlers' own lines are what a user reads.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        client = self.client()
        # moto keeps its state per process, not per server: a table left by an earlier
        # gateway in this process (a test run, a crash) would otherwise leak its items.
        if self._table_name in client.list_tables()["TableNames"]:
            client.delete_table(TableName=self._table_name)
        client.create_table(
            TableName=self._table_name,
            AttributeDefinitions=[{"AttributeName": HASH_KEY, "AttributeType": "S"}],
            KeySchema=[{"AttributeName": HASH_KEY, "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
        )
        client.update_time_to_live(
            TableName=self._table_name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE},
        )
        return self.endpoint

    def stop(self) -> None:
        """Drop the table (moto's state outlives the server) and stop the server."""
        self.client().delete_table(TableName=self._table_name)
        self._server.stop()
