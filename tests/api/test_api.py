"""The HTTP API through FastAPI's TestClient: the same app `latentdam serve` runs."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import MakeA1111
from latentdam import Library
from latentdam.api import ServerConfig, create_app


@pytest.fixture
def filled(library: Library, make_a1111: MakeA1111) -> Library:
    for i, prompt in enumerate(
        ["a red fox in the snow", "a lighthouse on a cliff at dusk", "a bowl of ramen", "a fox cub asleep"]
    ):
        make_a1111(f"img_{i}.png", prompt, Seed=100 + i)
    library.ingest([Path(library.path).parent / "images"])
    return library


@pytest.fixture
def client(filled: Library) -> Iterator[TestClient]:
    with TestClient(create_app(filled.settings, library=filled)) as c:
        yield c


def test_search_by_json_returns_the_library_result_shape(client: TestClient, filled: Library) -> None:
    response = client.post("/v1/search", json={"text": "a red fox", "limit": 2})
    assert response.status_code == 200
    body = response.json()
    assert (
        body["status"] == "ok" and body["results"][0]["asset"]["record"]["prompt"] == "a red fox in the snow"
    )
    assert body == filled.search("a red fox", limit=2).to_dict()  # one serialisation, in-process or not
    paged = client.post("/v1/search", json={"text": "a fox", "limit": 1, "all": False, "include_all": True})
    assert paged.status_code == 422 and paged.json()["error"] == "invalid_query"  # unknown field "all"
    first = client.post("/v1/search", json={"text": "a fox", "limit": 1, "include_all": True}).json()
    second = client.post(
        "/v1/search", json={"text": "a fox", "limit": 1, "include_all": True, "cursor": first["next_cursor"]}
    ).json()
    assert second["results"][0]["id"] != first["results"][0]["id"]
    faceted = client.post(
        "/v1/search", json={"filters": {"path": "*.png"}, "facets": True, "limit": 1}
    ).json()
    assert faceted["facets"]["matching"] == 4 and faceted["facets"]["tool"] == {"a1111": 4}
    sizes = faceted["facets"]["size"]
    assert sum(sizes.values()) == 4 and all(re.fullmatch(r"\d+x\d+", s) for s in sizes)


def test_search_by_uploaded_image_and_by_asset(client: TestClient, filled: Library) -> None:
    fox = Path(filled.path).parent / "images" / "img_0.png"
    fox_id = filled.get(str(fox)).id
    upload = client.post(
        "/v1/search",
        data={"query": '{"limit": 1}'},
        files={"image": ("q.png", fox.read_bytes(), "image/png")},
    )
    assert upload.status_code == 200 and upload.json()["results"][0]["id"] == fox_id
    assert upload.json()["query"]["image"] == "upload"
    by_asset = client.post("/v1/search", json={"image_asset": fox_id[:12], "limit": 1})
    assert by_asset.json()["results"][0]["id"] == fox_id
    broken = client.post("/v1/search", files={"image": ("q.png", b"\x89PNG\r\n\x1a\nnope", "image/png")})
    assert broken.status_code == 422 and broken.json()["error"] == "unreadable_image"


def test_assets_by_id_only(client: TestClient, filled: Library) -> None:
    asset_id = filled.search("a red fox").results[0].id
    asset = client.get(f"/v1/assets/{asset_id}").json()
    assert asset["id"] == asset_id and "png:parameters" in asset["record"]["raw"]
    thumb = client.get(f"/v1/assets/{asset_id[:10]}/thumbnail")
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/webp"
    original = client.get(f"/v1/assets/{asset_id}/file")
    assert original.status_code == 200 and original.content == Path(asset["path"]).read_bytes()
    similar = client.get(f"/v1/assets/{asset_id}/similar", params={"limit": 2}).json()
    assert similar["ordering"] == "most similar first" and asset_id not in [
        h["id"] for h in similar["results"]
    ]
    missing = client.get("/v1/assets/deadbeef00")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    for bad in ("..%2F..%2Fetc%2Fpasswd", "%2Fetc%2Fpasswd", "XYZ", asset["path"].replace("/", "%2F")):
        response = client.get(f"/v1/assets/{bad}/file")
        assert response.status_code in (404, 422), bad
        assert "root:" not in response.text and response.json()["error"]


def test_library_endpoints_and_errors_are_json(client: TestClient) -> None:
    stats = client.get("/v1/stats").json()
    assert stats["assets"] == 4
    spaces = client.get("/v1/spaces").json()["spaces"]
    assert {s["name"] for s in spaces} == {"text_minilm_l6", "visual_descriptor_v1"}
    assert client.get("/v1/duplicates").json() == {"groups": []}
    assert client.get("/v1/nowhere").json()["error"] == "not_found"
    empty = client.post("/v1/search", json={})
    assert empty.status_code == 422 and "give a search text" in empty.json()["detail"]
    junk = client.post("/v1/search", content=b"{not json", headers={"content-type": "application/json"})
    assert junk.status_code == 422 and junk.json()["error"] == "invalid_request"
    too_many = client.post("/v1/search", json={"text": "fox", "limit": 100_000})
    assert too_many.status_code == 422 and "limit" in too_many.json()["detail"]
    schema = client.get("/openapi.json").json()
    assert {"SearchRequest", "SearchResult", "Asset", "Filters"} <= set(schema["components"]["schemas"])


def test_oversized_uploads_are_refused(filled: Library) -> None:
    app = create_app(filled.settings, ServerConfig(max_upload_bytes=1024), library=filled)
    with TestClient(app) as client:
        big = client.post("/v1/search", files={"image": ("q.png", b"\0" * 4096, "image/png")})
        assert big.status_code in (413, 400) and big.json()["error"]
        body = client.post("/v1/search", json={"text": "x" * 2000})
        assert body.status_code == 413 and body.json()["error"] == "too_large"


def test_a_decompression_bomb_is_refused_before_decoding(client: TestClient) -> None:
    import io

    from PIL import Image

    bomb = io.BytesIO()
    Image.new("1", (11_000, 11_000)).save(bomb, "PNG", optimize=True)  # 15 KB, 121 megapixels
    response = client.post("/v1/search", files={"image": ("bomb.png", bomb.getvalue(), "image/png")})
    assert response.status_code == 413 and response.json()["error"] == "image_too_large"
    assert "megapixels" in response.json()["detail"]
    malformed = client.post(
        "/v1/search",
        content=b"--x\r\nnot multipart",
        headers={"content-type": "multipart/form-data; boundary=x"},
    )
    assert 400 <= malformed.status_code < 500 and malformed.json()["error"]


def test_the_gallery_is_served_at_the_root_and_nothing_else_of_the_disk(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and 'src="/app.js"' in page.text
    assert client.get("/app.js").headers["content-type"].startswith("text/javascript")
    for probe in [
        "/../pyproject.toml",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/..%2f..%2fetc%2fpasswd",
        "/static/../../x",
    ]:
        response = client.get(probe)
        assert response.status_code == 404 and response.json()["error"] == "not_found", probe
    assert client.get("/v1/no-such-route").json()["error"] == "not_found"


def test_export_a_selection_as_files_jsonl_and_parquet(
    client: TestClient, filled: Library, tmp_path: Path
) -> None:
    import io
    import json
    import zipfile

    import pyarrow.parquet as pq

    ids = [h.id for h in filled.search("a fox", limit=2, include_all=True).results]
    response = client.post("/v1/export", json={"ids": [*ids, ids[0]]})  # the same one twice: once
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = archive.namelist()
    assert sorted(n for n in names if n.startswith("files/")) == sorted(
        f"files/{Path(filled.get(i).path).name}" for i in ids
    )
    lines = [json.loads(line) for line in archive.read("metadata.jsonl").decode().splitlines()]
    assert [line["id"] for line in lines] == ids and lines[0]["record"]["raw"]  # raw blocks included
    table = pq.read_table(io.BytesIO(archive.read("records.parquet")))
    assert table.column("id").to_pylist() == ids and "prompt" in table.column_names
    assert client.post("/v1/export", json={"ids": ["ffffffffffff"]}).status_code == 404
    assert client.post("/v1/export", json={"ids": ["../../etc/passwd"]}).status_code == 422
    assert client.post("/v1/export", json={"ids": ["abcdef"] * 501}).status_code == 422


def _job_done(client: TestClient, job_id: str) -> dict[str, Any]:
    for _ in range(600):
        job = client.get(f"/v1/jobs/{job_id}").json()
        if job["state"] not in ("queued", "running"):
            return dict(job)
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} still running")


def test_explore_is_computed_in_the_background_and_kept(
    client: TestClient, filled: Library, make_a1111: MakeA1111
) -> None:
    pending = client.get("/v1/explore")
    assert pending.status_code == 202 and pending.json()["status"] == "computing"
    job = pending.json()["job"]
    assert job["request"]["kind"] == "map"
    again = client.get("/v1/explore")  # asked again while it runs: the same job, not a second
    assert again.status_code == 200 or again.json()["job"]["id"] == job["id"]
    assert _job_done(client, job["id"])["state"] == "done"
    explored = client.get("/v1/explore").json()
    n = filled.store.count()
    assert explored["stale"] is False and explored["refreshing"] is None
    assert len(explored["ids"]) == len(explored["x"]) == len(explored["y"]) == len(explored["cluster"]) == n
    assert all(0 <= v <= 1 for v in explored["x"] + explored["y"])
    assert sum(h["size"] for h in explored["neighbourhoods"]) == n
    assert all(set(h["samples"]) <= set(explored["ids"]) for h in explored["neighbourhoods"])
    # kept in the library: another handle (a restarted server) reads it without computing
    reopened = Library.open(settings=filled.settings).explore(compute=False)
    assert reopened is not None and reopened.ids == explored["ids"] and not reopened.stale

    make_a1111("late.png", "a late arrival, a heron at dawn")
    filled.ingest([Path(filled.path).parent / "images"])
    stale = client.get("/v1/explore").json()  # the old map at once, a new one on the way
    assert stale["stale"] is True and stale["refreshing"] and len(stale["ids"]) == n
    _job_done(client, stale["refreshing"])
    fresh = client.get("/v1/explore").json()
    assert fresh["stale"] is False and len(fresh["ids"]) == n + 1
    assert client.get("/v1/explore?space=no_such_space").status_code == 404
    assert client.get("/v1/explore?space=../x").status_code == 422


def test_the_api_docs_need_no_cdn(client: TestClient) -> None:
    docs = client.get("/docs")
    assert docs.status_code == 200 and "cdn." not in docs.text and "swagger-ui-bundle.js" in docs.text
    script = next(part.split('"')[0] for part in docs.text.split('src="')[1:] if "swagger-ui-bundle" in part)
    assert client.get(script).status_code == 200


def test_field_values_for_suggestions(client: TestClient, filled: Library) -> None:
    models = client.get("/v1/values/model", params={"contains": "V1-5"}).json()["values"]
    assert models == {"v1-5-pruned-emaonly": 4}  # any case; how many assets hold it
    assert client.get("/v1/values/tool").json()["values"] == {"a1111": 4}
    assert client.get("/v1/values/model", params={"contains": "nothing-like-it"}).json()["values"] == {}
    assert client.get("/v1/values/raw_metadata").status_code == 422  # only the suggestible fields


def test_variants_are_the_other_renders_of_exactly_the_same_prompt(
    client: TestClient, filled: Library, make_a1111: MakeA1111
) -> None:
    make_a1111("fox_again.png", "a red fox in the snow", Seed=900, Model="juggernautXL_v9")
    make_a1111("fox_other_seed.png", "a red fox in the snow", Seed=901)
    make_a1111("fox_longer.png", "a red fox in the snow, at night", Seed=902)  # another prompt
    filled.ingest([Path(filled.path).parent / "images"])
    fox = filled.get(str(Path(filled.path).parent / "images" / "img_0.png"))
    body = client.get(f"/v1/assets/{fox.id[:12]}/variants").json()
    assert body["id"] == fox.id and body["prompt"] == "a red fox in the snow"
    assert body["total"] == 2
    assert sorted(a["record"]["seed"] for a in body["variants"]) == [900, 901]
    assert set(body["varies"]) == {"model", "seed"}  # what differs among the three, and only that
    assert client.get(f"/v1/assets/{fox.id}/variants", params={"limit": 1}).json()["total"] == 2
    ramen = filled.search("a bowl of ramen").results[0].id
    alone = client.get(f"/v1/assets/{ramen}/variants").json()
    assert alone["total"] == 0 and alone["variants"] == [] and alone["varies"] == []
    assert client.get("/v1/assets/ffffffffffff/variants").status_code == 404
