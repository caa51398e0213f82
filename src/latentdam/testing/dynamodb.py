"""A real DynamoDB API for tests and benchmarks: moto's server mode (`moto[server]`), bound to
127.0.0.1 on a free port, holding the table LanceDB's `s3+ddb://` commit path writes each
commit to (key: `base_uri`, range: `version`)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from latentdam.testing.processes import stop

COMMIT_TABLE = "latentdam-commits"
_CREDENTIALS = {"aws_access_key_id": "latentdam", "aws_secret_access_key": "test-secret"}


@dataclass(frozen=True)
class DynamoDBServer:
    endpoint: str

    @property
    def storage_options(self) -> dict[str, str]:
        """What an `s3+ddb://` library adds to its S3 storage options (Lance's key)."""
        return {"dynamodb_endpoint": self.endpoint}

    def client(self) -> Any:
        import boto3

        return boto3.client("dynamodb", endpoint_url=self.endpoint, region_name="us-east-1", **_CREDENTIALS)

    def commits(self, table: str = COMMIT_TABLE) -> list[dict[str, Any]]:
        """Every commit recorded: base_uri, version, path, as plain values."""
        items = self.client().scan(TableName=table, ConsistentRead=True)["Items"]
        return [{key: next(iter(value.values())) for key, value in item.items()} for item in items]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def dynamodb_server(timeout: float = 60.0) -> Iterator[DynamoDBServer]:
    port = _free_port()
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = DynamoDBServer(f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("moto's server did not start (pip install 'moto[server]')") from None
                time.sleep(0.2)
        server.client().create_table(
            TableName=COMMIT_TABLE,
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[
                {"AttributeName": "base_uri", "KeyType": "HASH"},
                {"AttributeName": "version", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "base_uri", "AttributeType": "S"},
                {"AttributeName": "version", "AttributeType": "N"},
            ],
        )
        yield server
    finally:
        stop(process)
