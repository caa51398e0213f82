"""Writes over HTTP: ingest, reembed and refresh jobs, progress streams, cancel, uploads,
and the limits around them (roots, scopes, a second writer, sizes, time, CORS)."""

from __future__ import annotations

import io
import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from conftest import MakeA1111
from latentdam import Library
from latentdam.api import ServerConfig, create_app
from latentdam.api.keys import Scope, create_key
from latentdam.testing.formats import make_image


@pytest.fixture
def images(make_a1111: MakeA1111) -> Path:
    for i, prompt in enumerate(["a red fox in the snow", "a lighthouse at dusk", "a bowl of ramen"]):
        path = make_a1111(f"img_{i}.png", prompt, Seed=100 + i)
    return path.parent


@pytest.fixture
def client(library: Library, images: Path) -> Iterator[TestClient]:
    app = create_app(library.settings, ServerConfig(roots=(images.parent,)), library=library)
    with TestClient(app) as c:
        yield c


def _finished(client: TestClient, job_id: str, timeout: float = 120.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(f"/v1/jobs/{job_id}").json()
        if job["state"] not in ("queued", "running"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish in {timeout} s")


def _events(client: TestClient, job_id: str) -> list[tuple[str, dict[str, Any]]]:
    events, kind = [], ""
    with client.stream("GET", f"/v1/jobs/{job_id}/events") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        for line in stream.iter_lines():
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: "):
                events.append((kind, json.loads(line[6:])))
    return events


def test_an_ingest_job_reports_progress_and_its_assets_are_searchable(
    client: TestClient, images: Path
) -> None:
    submitted = client.post("/v1/jobs/ingest", json={"paths": ["images"]})
    assert submitted.status_code == 202 and submitted.json()["state"] == "queued"
    events = _events(client, submitted.json()["id"])
    kinds = [kind for kind, _ in events]
    assert kinds[-1] == "end" and set(kinds[:-1]) <= {"progress"}
    final = events[-1][1]
    assert final["state"] == "done" and final["report"]["added"] == 3 and final["done"] == final["total"] == 3
    assert [e["revision"] for _, e in events] == sorted(
        {e["revision"] for _, e in events}
    )  # each change once
    assert client.get(f"/v1/jobs/{final['id']}").json() == final
    assert client.get("/v1/jobs").json()["jobs"][0]["id"] == final["id"]
    hits = client.post("/v1/search", json={"text": "a red fox"}).json()["results"]
    assert Path(hits[0]["asset"]["path"]).name == "img_0.png"


def test_refresh_job_and_a_failed_reembed_job(client: TestClient) -> None:
    client.post("/v1/jobs/ingest", json={"paths": ["images"]})
    refresh = _finished(client, client.post("/v1/jobs/refresh").json()["id"])
    assert refresh["state"] == "done" and refresh["report"]["checked"] == 3
    bad = client.post("/v1/jobs/reembed", json={"model": "/etc"})
    assert bad.status_code == 403 and bad.json()["error"] == "outside_roots"
    missing = _finished(
        client, client.post("/v1/jobs/reembed", json={"model": "no-such-model-anywhere"}).json()["id"]
    )
    assert missing["state"] == "failed" and "no-such-model-anywhere" in missing["error"]


@pytest.mark.parametrize(
    "path",
    [
        "/etc",
        "../",
        "images/../../..",
        "/etc/passwd",
        "%2e%2e%2f",
        "..%2f..%2fetc",
        "~",
        "images/escape",
        "\x00",
        "a" * 4000,
    ],
)
def test_ingest_reads_only_under_the_roots(
    client: TestClient, images: Path, tmp_path_factory: pytest.TempPathFactory, path: str
) -> None:
    (images / "escape").symlink_to(tmp_path_factory.mktemp("outside"), target_is_directory=True)
    response = client.post("/v1/jobs/ingest", json={"paths": [path]})
    refusals = {403: "outside_roots", 422: "invalid_query"}  # 422 invalid_request: not even a path
    assert response.json()["error"] in (refusals.get(response.status_code), "invalid_request")
    assert client.get("/v1/jobs").json()["jobs"] == []  # nothing was queued


def test_a_server_without_roots_reads_no_folder(library: Library, images: Path) -> None:
    with TestClient(create_app(library.settings, library=library)) as client:
        response = client.post("/v1/jobs/ingest", json={"paths": [str(images)]})
    assert response.status_code == 403 and "--root" in response.json()["detail"]


def test_a_second_writer_is_refused_over_http(
    client: TestClient, other_writer: subprocess.Popen[str]
) -> None:
    response = client.post("/v1/jobs/ingest", json={"paths": ["images"]})
    assert response.status_code == 409 and response.json()["error"] == "busy"
    assert f"ingest by PID {other_writer.pid}" in response.json()["detail"]


def test_cancel_and_unknown_jobs(client: TestClient) -> None:
    job = client.post("/v1/jobs/ingest", json={"paths": ["images"]}).json()
    cancelled = client.post(f"/v1/jobs/{job['id']}/cancel")
    assert cancelled.status_code == 200
    final = _finished(client, job["id"])
    assert final["state"] in ("cancelled", "done")  # a 3-file job may end before the cancel lands
    assert client.post(f"/v1/jobs/{job['id']}/cancel").json() == final  # finished: unchanged
    assert client.get("/v1/jobs/ffffffffffffffff").status_code == 404
    assert client.get("/v1/jobs/../../etc").status_code == 404
    assert client.get("/v1/jobs/not-an-id").json()["error"] == "invalid_request"


def _png(seed: int, size: int = 64) -> bytes:
    out = io.BytesIO()
    make_image(seed, (size, size)).save(out, "PNG")
    return out.getvalue()


def test_uploads_are_stored_once_by_content_and_ingested(client: TestClient, library: Library) -> None:
    first = client.post(
        "/v1/uploads",
        files=[
            ("files", ("../../../etc/evil.png", _png(1), "image/png")),
            ("files", ("b.png", _png(2), "image/png")),
            ("files", ("b-again.png", _png(2), "image/png")),  # the same picture twice
        ],
    )
    assert first.status_code == 201
    body = first.json()
    assert [f["status"] for f in body["files"]] == ["new", "new", "queued"]
    assert _finished(client, body["job"]["id"])["report"]["added"] == 2
    stored = sorted(p.relative_to(library.path) for p in Path(library.path, "uploads").rglob("*.png"))
    assert len(stored) == 2 and all(p.parts[0] == "uploads" and len(p.parts) == 3 for p in stored)
    assert "evil.png" in {p.name for p in stored}  # the name is kept, the path is not
    asset = client.get(f"/v1/assets/{body['files'][0]['id']}").json()
    assert Path(asset["path"]).name == "evil.png"

    again = client.post("/v1/uploads", files=[("files", ("copy.png", _png(1), "image/png"))])
    assert again.status_code == 200 and again.json()["files"][0]["status"] == "exists"
    assert again.json()["job"] is None


def test_bad_uploads_are_refused_and_nothing_is_stored(client: TestClient, library: Library) -> None:
    bomb = io.BytesIO()
    Image.new("1", (11_000, 11_000)).save(bomb, "PNG", optimize=True)  # 15 KB, 121 megapixels
    cases = [
        (
            [("files", ("ok.png", _png(3), "image/png")), ("files", ("notes.txt", b"hello", "text/plain"))],
            422,
        ),
        ([("files", ("bomb.png", bomb.getvalue(), "image/png"))], 413),
        ([("files", ("anim.gif", _gif(), "image/gif"))], 422),
    ]
    for files, status in cases:
        response = client.post("/v1/uploads", files=files)
        assert response.status_code == status, response.json()
        assert response.json()["error"] and response.json()["detail"]
    assert "notes.txt" in client.post("/v1/uploads", files=cases[0][0]).json()["detail"]
    assert client.post("/v1/uploads", files={"x": (None, "1")}).status_code == 422  # a field, no file
    assert client.post("/v1/uploads", json={"files": []}).status_code == 415
    malformed = client.post(
        "/v1/uploads",
        content=b"--x\r\nnot multipart",
        headers={"content-type": "multipart/form-data; boundary=x"},
    )
    assert 400 <= malformed.status_code < 500 and malformed.json()["error"]
    assert not list(Path(library.path, "uploads").rglob("*.png"))  # ok.png too: all or nothing


def _gif() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, "GIF")
    return out.getvalue()


def test_an_oversized_upload_is_refused(library: Library) -> None:
    app = create_app(library.settings, ServerConfig(max_upload_bytes=1024), library=library)
    with TestClient(app) as client:
        response = client.post("/v1/uploads", files=[("files", ("big.png", _png(4, size=256), "image/png"))])
    assert response.status_code in (400, 413) and response.json()["error"]


def test_job_routes_need_the_write_scope(library: Library, images: Path) -> None:
    app = create_app(library.settings, ServerConfig(roots=(images,), require_keys=True), library=library)
    _, reader = create_key(library.store, "reader", [Scope.SEARCH])
    _, writer = create_key(library.store, "bot", [Scope.WRITE])
    with TestClient(app) as client:
        assert client.post("/v1/jobs/refresh").status_code == 401
        as_reader = {"Authorization": f"Bearer {reader}"}
        for method, route in [("post", "/v1/jobs/refresh"), ("get", "/v1/jobs"), ("post", "/v1/uploads")]:
            response = getattr(client, method)(route, headers=as_reader)
            assert response.status_code == 403 and "write scope" in response.json()["detail"]
        job = client.post("/v1/jobs/refresh", headers={"Authorization": f"Bearer {writer}"})
        assert job.status_code == 202 and job.json()["requested_by"] == writer[4:12]


def test_a_request_over_the_time_limit_is_a_json_503(library: Library, images: Path) -> None:
    library.ingest([images])
    app = create_app(library.settings, ServerConfig(request_timeout=0.001), library=library)
    with TestClient(app) as client:
        response = client.post("/v1/search", json={"text": "a red fox"})
    assert response.status_code == 503 and response.json()["error"] == "timeout"


def test_cors_is_off_unless_origins_are_given(library: Library) -> None:
    preflight = {"Origin": "http://gallery.example", "Access-Control-Request-Method": "POST"}
    with TestClient(create_app(library.settings, library=library)) as client:
        assert "access-control-allow-origin" not in client.options("/v1/search", headers=preflight).headers
    config = ServerConfig(cors_origins=("http://gallery.example",))
    with TestClient(create_app(library.settings, config, library=library)) as client:
        allowed = client.options("/v1/search", headers=preflight)
        assert allowed.headers["access-control-allow-origin"] == "http://gallery.example"
        other = client.options("/v1/search", headers={**preflight, "Origin": "http://evil.example"})
        assert "access-control-allow-origin" not in other.headers


def test_optimize_job(client: TestClient) -> None:
    _finished(client, client.post("/v1/jobs/ingest", json={"paths": ["images"]}).json()["id"])
    done = _finished(client, client.post("/v1/jobs/optimize").json()["id"])
    assert done["state"] == "done" and done["request"]["kind"] == "optimize"
    assert done["report"]["assets"] == client.get("/v1/stats").json()["assets"]
    assert done["report"]["fragments_after"] <= done["report"]["fragments_before"]


def test_prune_job(client: TestClient, images: Path) -> None:
    _finished(client, client.post("/v1/jobs/ingest", json={"paths": ["images"]}).json()["id"])
    (images / "img_1.png").unlink()
    dry = _finished(client, client.post("/v1/jobs/prune", json={"dry_run": True}).json()["id"])
    assert dry["state"] == "done" and len(dry["report"]["removed"]) == 1
    assert client.get("/v1/stats").json()["assets"] == 3  # a dry run removes nothing
    done = _finished(client, client.post("/v1/jobs/prune").json()["id"])
    assert done["report"]["removed"] == dry["report"]["removed"]
    assert client.get("/v1/stats").json()["assets"] == 2
