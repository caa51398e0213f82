"""How a server is started: where it listens, what it may read, and its limits."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 8765
    max_upload_bytes: int = 50 * 2**20  # a query image or an upload
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
