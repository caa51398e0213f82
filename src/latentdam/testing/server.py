"""A real `latentdam serve` process on 127.0.0.1 for tests and benchmarks: started on a free
port, waited for until it answers, stopped (or killed) by the caller."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx

from latentdam.testing.processes import stop


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[str]
    url: str
    log: IO[str]  # what it wrote to stderr

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read()


def start(
    library: Path | str, *args: str | Path, env: Mapping[str, str] | None = None, timeout: float = 120
) -> Server:
    """`latentdam serve --library LIBRARY ARGS...` on a free port, once /v1/health answers."""
    port = free_port()
    environment = {"HF_HUB_OFFLINE": "1", **os.environ, **(env or {})}
    command = [sys.executable, "-m", "latentdam", "serve", "--library", str(library), "--port", str(port)]
    # its log goes to a file, not a pipe: a pipe nobody reads fills up and blocks the server
    log = tempfile.TemporaryFile("w+")  # noqa: SIM115 - it lives as long as the server (Server.log)
    process = subprocess.Popen([*command, *map(str, args)], env=environment, stderr=log, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{url}/v1/health", timeout=2).status_code == 200:
                return Server(process, url, log)
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            process.wait(timeout=30)
            log.seek(0)
            raise RuntimeError(f"latentdam serve did not start:\n{log.read()}")
        time.sleep(0.3)


@contextmanager
def serving(library: Path | str, *args: str | Path, env: Mapping[str, str] | None = None) -> Iterator[Server]:
    server = start(library, *args, env=env)
    try:
        yield server
    finally:
        stop(server.process, timeout=60)
