"""`latentdam serve` as a team runs it: a real uvicorn process on 127.0.0.1, real HTTP."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from conftest import MakeA1111

CLI = [sys.executable, "-m", "latentdam"]
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "COLUMNS": "160"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli(*args: str | Path, library: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [*CLI, *map(str, args), "--library", str(library)],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=300,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture
def served(tmp_path: Path, make_a1111: MakeA1111) -> Iterator[tuple[str, Path]]:
    library = tmp_path / "lib"
    folder = make_a1111("fox.png", "a red fox in the snow").parent
    make_a1111("ramen.png", "a bowl of ramen")
    cli("ingest", folder, library=library)
    port = _free_port()
    server = subprocess.Popen(
        [*CLI, "serve", "--library", str(library), "--port", str(port)],
        env=ENV,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{url}/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, "server did not start"
            time.sleep(0.3)
        yield url, library
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_a_live_server_answers_searches_and_sees_cli_ingests(
    served: tuple[str, Path], make_a1111: MakeA1111
) -> None:
    url, library = served
    found = httpx.post(f"{url}/v1/search", json={"text": "a red fox", "limit": 1}, timeout=30).json()
    assert found["results"][0]["path"].endswith("fox.png")
    docs = httpx.get(f"{url}/openapi.json", timeout=10).json()
    assert "/v1/search" in docs["paths"]
    lighthouse = make_a1111("lighthouse.png", "a lighthouse on a cliff at dusk")
    cli("ingest", lighthouse.parent, library=library)  # another process writes while it serves
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        stats = httpx.get(f"{url}/v1/stats", timeout=10).json()
        if stats["assets"] == 3:
            break
        time.sleep(0.5)
    assert stats["assets"] == 3  # the server sees the CLI's commit
    hit = httpx.post(f"{url}/v1/search", json={"text": "lighthouse at dusk", "limit": 1}, timeout=30).json()
    assert hit["results"][0]["path"].endswith("lighthouse.png")


def test_beyond_loopback_the_server_needs_a_key_and_keys_are_managed_by_the_cli(
    tmp_path: Path, make_a1111: MakeA1111
) -> None:
    library = tmp_path / "lib"
    cli("ingest", make_a1111("fox.png", "a red fox").parent, library=library)
    refused = cli("serve", "--host", "0.0.0.0", "--port", str(_free_port()), library=library, check=False)
    assert refused.returncode == 2 and "latentdam keys create" in refused.stderr
    assert "Traceback" not in refused.stderr
    made = json.loads(cli("keys", "create", "studio", "--scope", "search", "--json", library=library).stdout)
    assert made["token"].startswith("ldk_") and made["scopes"] == ["search"]
    listed = json.loads(cli("keys", "list", "--json", library=library).stdout)["keys"]
    assert [k["id"] for k in listed] == [made["id"]] and "token" not in listed[0]
    assert "revoked" in cli("keys", "revoke", made["id"], library=library).stdout
    bad = cli("keys", "create", "x", "--scope", "root", library=library, check=False)
    assert bad.returncode == 2 and "use search, write or admin" in bad.stderr
