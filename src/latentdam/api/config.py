"""How a server is started: where it listens, what it may read, and its limits."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 8765
    # The folders ingest jobs may read (and model folders a reembed job may load); none: no
    # client can make the server read a folder of its file system
    roots: tuple[Path, ...] = ()
    # Where uploads are kept (None: `uploads` in a local library; object stores need one)
    upload_dir: Path | None = None
    max_upload_bytes: int = 50 * 2**20  # a query image or one uploaded file
    max_upload_files: int = 100  # files in one upload request
    request_timeout: float = 60.0  # seconds a request may take (progress streams excepted)
    # Origins a browser may call the API from (CORS); none: same-origin only
    cors_origins: tuple[str, ...] = ()
    # Resume the jobs a previous server left unfinished (else they are marked interrupted)
    resume_jobs: bool = True
    # None: keys are required exactly when the server listens beyond loopback
    require_keys: bool | None = None
    # Write the library's server file while serving, so the CLI on this machine uses it
    announce: bool = False

    @property
    def loopback(self) -> bool:
        return is_loopback(self.host)

    @property
    def keys_required(self) -> bool:
        return not self.loopback if self.require_keys is None else self.require_keys


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: it may resolve beyond this machine
