"""`latentdam serve` as a team runs it: a real uvicorn process on 127.0.0.1, real HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from cli_support import CLI, run_cli
from conftest import MakeA1111
from latentdam.testing.server import free_port, start

# These tests are about serving, not about a model: their libraries start on the weight-free
# hash text space (embed/testing.py), so no process here loads one.
SPACES = {"LATENTDAM_SPACES": '["test_hash_text", "visual_descriptor_v1"]'}
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "COLUMNS": "160", **SPACES}


def cli(*args: str | Path, library: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    """The command in this process (the server runs in its own): see cli_support."""
    return run_cli(*args, "--library", library, env=SPACES, check=check)


def start_server(
    library: Path, *args: str | Path, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[str], str]:
    server = start(library, *args, env=env or ENV)
    return server.process, server.url


@pytest.fixture
def served(tmp_path: Path, make_a1111: MakeA1111) -> Iterator[tuple[str, Path]]:
    library = tmp_path / "lib"
    folder = make_a1111("fox.png", "a red fox in the snow").parent
    make_a1111("ramen.png", "a bowl of ramen")
    cli("ingest", folder, library=library)
    server, url = start_server(library, "--root", tmp_path)
    try:
        yield url, library
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert not (library / ".latentdam-server.json").exists()  # withdrawn when it stops


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

    # the CLI on this machine finds the server through the library and searches through it
    served = cli("search", "lighthouse at dusk", "-n", "1", "--json", library=library)
    assert f"searched through the server at {url}" in served.stderr
    assert json.loads(served.stdout)["results"][0]["path"].endswith("lighthouse.png")
    by_image = cli("search", "--image", lighthouse, "-n", "1", "--json", library=library)
    assert json.loads(by_image.stdout)["results"][0]["path"].endswith("lighthouse.png")
    # a query only the library can refuse (no joint space here): the server's error, as the CLI's own
    bad = cli("search", "lighthouse", "--server", url, "--signal", "image", library=library, check=False)
    assert bad.returncode == 2 and "signal 'image' cannot run here" in bad.stderr


def test_beyond_loopback_the_server_needs_a_key_and_keys_are_managed_by_the_cli(
    tmp_path: Path, make_a1111: MakeA1111
) -> None:
    library = tmp_path / "lib"
    cli("ingest", make_a1111("fox.png", "a red fox").parent, library=library)
    refused = cli("serve", "--host", "0.0.0.0", "--port", str(free_port()), library=library, check=False)
    assert refused.returncode == 2 and "latentdam keys create" in refused.stderr
    assert "Traceback" not in refused.stderr
    made = json.loads(cli("keys", "create", "studio", "--scope", "search", "--json", library=library).stdout)
    assert made["token"].startswith("ldk_") and made["scopes"] == ["search"]
    listed = json.loads(cli("keys", "list", "--json", library=library).stdout)["keys"]
    assert [k["id"] for k in listed] == [made["id"]] and "token" not in listed[0]
    assert "revoked" in cli("keys", "revoke", made["id"], library=library).stdout
    bad = cli("keys", "create", "x", "--scope", "root", library=library, check=False)
    assert bad.returncode == 2 and "use search, write or admin" in bad.stderr


FILES = 240  # enough batches of 4 that the ingest is still writing when refused and killed


@pytest.mark.slow
def test_searches_never_fail_while_an_ingest_writes_is_refused_twice_killed_and_resumed(
    served: tuple[str, Path], make_a1111: MakeA1111
) -> None:
    """Bounded: 4 clients on 127.0.0.1, one 240-file ingest (small batches, so it is still
    writing when it is refused a second writer and killed), at most a few minutes."""
    url, library = served
    batch = Path(library).parent / "batch"
    for i in range(FILES):
        make_a1111(f"../batch/shot_{i:03d}.png", f"study {i} of a lighthouse in a storm, variation {i * 7}")
    env = {**ENV, "LATENTDAM_LIBRARY": str(library)}
    ingest = subprocess.Popen(
        [*CLI, "ingest", str(batch), "--batch-size", "4"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    failures: list[str] = []
    seen: list[int] = []
    stop = time.monotonic() + 300

    def client() -> None:
        with httpx.Client(timeout=60) as http:
            while ingest.poll() is None and time.monotonic() < stop:
                response = http.post(f"{url}/v1/search", json={"text": "a lighthouse in a storm", "limit": 5})
                if response.status_code != 200:
                    failures.append(response.text)
                seen.append(http.get(f"{url}/v1/stats").json()["assets"])
                if len(seen) > 2000:
                    return

    threads = [threading.Thread(target=client) for _ in range(4)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and (not seen or max(seen) < 40):
        time.sleep(0.2)
    busy = cli("ingest", batch, library=library, check=False)  # a second writer, mid-ingest
    assert busy.returncode == 1 and f"library busy: ingest by PID {ingest.pid}" in busy.stderr
    api_busy = httpx.post(f"{url}/v1/jobs/ingest", json={"paths": [str(batch)]}, timeout=30)  # and a third
    assert api_busy.status_code == 409 and f"ingest by PID {ingest.pid}" in api_busy.json()["detail"]
    ingest.kill()  # SIGKILL mid-batch: its lock is left behind
    ingest.wait(timeout=30)
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures[:3]
    assert 2 < max(seen) < FILES + 2  # batches became visible while it ran, and it was cut short
    resumed = json.loads(cli("ingest", batch, "--json", library=library).stdout)  # takes the lock over
    assert resumed["failed"] == [] and resumed["added"] + resumed["unchanged"] == FILES
    stats = httpx.get(f"{url}/v1/stats", timeout=30).json()
    deadline = time.monotonic() + 30
    while stats["assets"] != FILES + 2 and time.monotonic() < deadline:
        time.sleep(0.5)
        stats = httpx.get(f"{url}/v1/stats", timeout=30).json()
    assert stats["assets"] == FILES + 2  # nothing lost, nothing twice (2 from the fixture)
    ids = [
        h["id"]
        for h in httpx.post(f"{url}/v1/search", json={"filters": {"path": "*shot_*"}, "limit": 1000}).json()[
            "results"
        ]
    ]
    assert len(ids) == len(set(ids)) == FILES


JOB_FILES = 240


def _job(url: str, job_id: str) -> dict[str, Any]:
    job: dict[str, Any] = httpx.get(f"{url}/v1/jobs/{job_id}", timeout=30).json()
    return job


@pytest.mark.slow
def test_a_server_killed_mid_job_resumes_it_when_restarted(tmp_path: Path, make_a1111: MakeA1111) -> None:
    """A 240-file ingest job over HTTP with search clients running, a CLI writer refused while
    it runs, the server SIGKILLed in the middle, a new server on the library: the job
    resumes, no search failed, and nothing is lost or doubled."""
    library = tmp_path / "lib"
    cli("ingest", make_a1111("fox.png", "a red fox in the snow").parent, library=library)
    for i in range(JOB_FILES):
        make_a1111(f"../jobs/shot_{i:03d}.png", f"study {i} of a windmill at noon, variation {i * 3}")
    env = {**ENV, "LATENTDAM_BATCH_SIZE": "4"}
    first, url = start_server(library, "--root", library.parent, env=env)
    try:
        submitted = httpx.post(f"{url}/v1/jobs/ingest", json={"paths": ["jobs"]}, timeout=30)
        assert submitted.status_code == 202
        job_id = submitted.json()["id"]
        failures: list[str] = []
        seen: list[int] = []
        searching = threading.Event()
        searching.set()

        def client() -> None:
            with httpx.Client(base_url=url, timeout=60) as http:
                while searching.is_set() and len(seen) < 2000:
                    response = http.post("/v1/search", json={"text": "a windmill at noon", "limit": 5})
                    if response.status_code != 200:
                        failures.append(response.text)
                    seen.append(http.get("/v1/stats").json()["assets"])

        threads = [threading.Thread(target=client) for _ in range(3)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 240
        while _job(url, job_id)["done"] < 40:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        searching.clear()  # before the kill: a search to a dead server fails, as it should
        for thread in threads:
            thread.join(timeout=120)
        assert not failures, failures[:3]
        assert len(set(seen)) > 2  # batches became searchable while the job wrote
        busy = cli("ingest", library.parent / "jobs", library=library, check=False)
        assert busy.returncode == 1 and f"ingest job {job_id[:8]} by PID {first.pid}" in busy.stderr
    finally:
        first.kill()  # SIGKILL mid-batch: no chance to record anything more
        first.wait(timeout=30)

    second, url = start_server(library, "--root", library.parent)
    try:
        events = []
        with httpx.stream("GET", f"{url}/v1/jobs/{job_id}/events", timeout=300) as stream:
            for line in stream.iter_lines():
                if line.startswith("data: "):
                    events.append(json.loads(line[6:]))
        final = events[-1]
        assert final["state"] == "done" and final["resumes"] == 1, final
        report = final["report"]
        assert report["failed"] == [] and report["added"] + report["unchanged"] == JOB_FILES
        assert 0 < report["added"] < JOB_FILES  # the first server's batches were kept
        stats = httpx.get(f"{url}/v1/stats", timeout=30).json()
        assert stats["assets"] == JOB_FILES + 1
        hits = httpx.post(
            f"{url}/v1/search", json={"filters": {"path": "*/jobs/*"}, "limit": 1000}, timeout=60
        ).json()["results"]
        assert len(hits) == len({h["id"] for h in hits}) == JOB_FILES
    finally:
        second.terminate()
        second.wait(timeout=60)


# A client machine: `pip install latentdam` without extras has none of these.
_CLIENT_ONLY = """
import sys
BLOCKED = {"lancedb", "pyarrow", "torch", "transformers", "sentence_transformers", "fastapi", "uvicorn", "sklearn"}
class NotInstalled:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, NotInstalled())
from latentdam.cli import main
main(sys.argv[1:])
"""


def test_the_core_package_alone_searches_through_a_server_and_names_the_extra_for_the_rest(
    served: tuple[str, Path],
) -> None:
    url, library = served

    def client(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-c", _CLIENT_ONLY, *args, "--library", str(library)]
        return subprocess.run(command, capture_output=True, text=True, env=ENV, timeout=120)

    found = client("search", "a red fox", "--server", url, "--json")
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout)["results"][0]["path"].endswith("fox.png")
    local = client("stats")
    assert local.returncode == 1 and "Traceback" not in local.stderr
    assert "needs latentdam's 'cli' extra" in local.stderr and "pip install 'latentdam[cli]'" in local.stderr
    serving = client("serve")
    assert "pip install 'latentdam[server]'" in serving.stderr
