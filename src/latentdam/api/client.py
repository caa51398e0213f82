"""Searching through a running `latentdam serve` from another process (the CLI), so a
terminal search skips the model load: the server announces itself in a small file in the
library (`SERVER_FILE`), which it removes when it stops.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import httpx

from latentdam.errors import InvalidQuery, LatentdamError
from latentdam.search.query import SearchQuery
from latentdam.search.result import SearchResult

SERVER_FILE = ".latentdam-server.json"


class ServerUnavailable(LatentdamError):
    """The server named or announced does not answer."""


def announce(library: Path, url: str) -> Path:
    """Write the file that tells other processes where this library is served."""
    path = library / SERVER_FILE
    path.write_text(json.dumps({"url": url, "pid": os.getpid()}))
    return path


def withdraw(announcement: Path) -> None:
    """Remove the announcement, if it is still this process's."""
    try:
        if json.loads(announcement.read_text()).get("pid") == os.getpid():
            announcement.unlink()
    except (OSError, ValueError):
        pass


def announced(library: Path) -> str | None:
    """The URL of a server announced for a local library, if its process is still running."""
    try:
        data = json.loads((library / SERVER_FILE).read_text())
        os.kill(int(data["pid"]), 0)  # signal 0: is it alive?
        return str(data["url"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def search(
    url: str, query: SearchQuery, image: Path | None, api_key: str | None, timeout: float = 60
) -> SearchResult:
    """Run a query on a server, as `Library.run` would in-process."""
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    body = query.model_dump(mode="json", exclude={"image"}, exclude_defaults=True)
    try:
        with httpx.Client(base_url=url, timeout=timeout, headers=headers) as client:
            if image is not None:
                files = {"image": (image.name, image.read_bytes(), "application/octet-stream")}
                response = client.post("/v1/search", data={"query": json.dumps(body)}, files=files)
            else:
                response = client.post("/v1/search", json=body)
    except httpx.TransportError as exc:
        raise ServerUnavailable(f"the server at {url} does not answer ({exc})") from exc
    if response.status_code == 200:
        return SearchResult.model_validate(response.json())
    error = _error(response)
    message = f"{error.get('detail', response.text)} (server {url})"
    if error.get("hint"):
        message += f"; {error['hint']}"
    if response.status_code == 422:
        raise InvalidQuery(message)
    raise LatentdamError(message)


def _error(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
        return data if isinstance(data, dict) else {}
    except ValueError:
        return {}
