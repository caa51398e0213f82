"""The web gallery end to end: a real `latentdam serve` over the bundled samples, driven in
headless Chromium. Each test saves a screenshot of what it saw under test-artifacts/web/."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from playwright.sync_api import BrowserContext, Page, expect

from latentdam.testing.formats import a1111_parameters, make_image, write_png
from latentdam.testing.server import Server, serving

SAMPLES = Path(__file__).parents[2] / "samples"
# one worker runs the module (pytest-xdist): its served library is built once
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("gallery")]


def _cli(*args: str | Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "latentdam", *map(str, args)], check=True, capture_output=True, timeout=600
    )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("gallery")
    shutil.copytree(SAMPLES, root / "samples")
    # a resized, re-encoded copy of a sample: a near-duplicate group for the review page
    original = root / "samples" / "a1111" / "00042-2871649301.png"
    with Image.open(original) as image:
        image.convert("RGB").resize((image.width // 2, image.height // 2)).save(
            root / "samples" / "copy-small.jpg", quality=85
        )
    library = root / "library"
    _cli("ingest", root / "samples", "--library", library)
    with serving(library, "--root", root) as running:
        yield running


def _api(server: Server, path: str, **json: Any) -> Any:
    if json:
        return httpx.post(f"{server.url}{path}", json=json, timeout=60).json()
    return httpx.get(f"{server.url}{path}", timeout=60).json()


def _search(page: Page, text: str) -> None:
    page.locator("#q").fill(text)
    page.locator("#q").press("Enter")


def _cards(page: Page) -> list[str]:
    """The ids of the result cards, once the search in flight has answered."""
    expect(page.locator("#grid[aria-busy=false]")).to_be_attached()
    return page.locator("#grid .card").evaluate_all("cards => cards.map(c => c.dataset.id)")


def test_search_refine_with_a_facet_and_reload_the_shared_url(
    page: Page, server: Server, artifacts: Path
) -> None:
    page.goto(server.url)
    expect(page.locator("#notice")).to_contain_text("Search your library")
    _search(page, "a fox")
    expect(page.locator("#grid .card").first).to_be_visible()
    expect(page).to_have_url(re.compile(r"\?q=a\+fox"))
    expected = _api(server, "/v1/search", text="a fox", limit=60, explain=True)
    assert _cards(page)[:5] == [h["id"] for h in expected["results"]][:5]  # what the API ranks

    tool = page.locator("#facets section", has_text="Tool").locator(".facet-value").first
    tool_name = tool.locator(".facet-name").inner_text()
    tool.click()
    expect(page.locator("#chips .chip")).to_have_count(1)
    expect(page.locator("#chips .chip")).to_contain_text(f"tool: {tool_name}")
    refined = _cards(page)
    assert refined and all(_api(server, f"/v1/assets/{i}")["record"]["tool"] == tool_name for i in refined)
    page.screenshot(path=artifacts / "search-refined.png", full_page=True)

    shared = page.url
    page.goto("about:blank")
    page.goto(shared)  # a shared link shows the same view
    expect(page.locator("#chips .chip")).to_contain_text(f"tool: {tool_name}")
    expect(page.locator("#grid .card").first).to_be_visible()
    assert _cards(page) == refined

    page.locator("#chips .chip button").click()  # removing the chip widens the search again
    expect(page.locator("#chips .chip")).to_have_count(0)
    expect(page).not_to_have_url(re.compile("tool"))


def test_refine_by_picture_size(page: Page, server: Server) -> None:
    page.goto(f"{server.url}/?q=a+picture&all=1")
    size = page.locator("#facets section", has_text="Size").locator(".facet-value").first
    expect(size).to_be_visible()
    value, count = size.locator(".facet-name").inner_text(), int(size.locator(".count").inner_text())
    size.click()
    expect(page.locator("#chips .chip")).to_contain_text(f"size: {value}")
    expect(page.locator("#facets .hint").first).to_have_text(f"{count} matching")
    width, height = map(int, value.split("x"))
    for asset_id in _cards(page):
        asset = _api(server, f"/v1/assets/{asset_id}")
        assert (asset["width"], asset["height"]) == (width, height)
    page.locator("#q").fill("size:big")
    page.locator("#q").press("Enter")
    expect(page.locator("#status")).to_contain_text("size:big is not a size")


def test_exclude_a_facet_value_and_field_syntax(page: Page, server: Server) -> None:
    page.goto(server.url)
    _search(page, "portrait -tool:a1111")
    expect(page.locator("#chips .chip-not")).to_contain_text("not tool: a1111")
    ids = _cards(page)
    assert all(_api(server, f"/v1/assets/{i}")["record"]["tool"] != "a1111" for i in ids)
    _search(page, "seed:banana")
    expect(page.locator("#status")).to_contain_text("seed:banana is not a number")


def test_detail_shows_the_generation_and_copies_the_prompt(
    page: Page, context: BrowserContext, server: Server, artifacts: Path
) -> None:
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(f"{server.url}/?q=lighthouse")
    first = page.locator("#grid .card").first
    expect(first).to_be_visible()
    asset_id = first.get_attribute("data-id")
    first.locator(".card-button").click()
    dialog = page.locator("#detail")
    expect(dialog).to_be_visible()
    expect(page).to_have_url(re.compile(f"open={asset_id}"))
    asset = _api(server, f"/v1/assets/{asset_id}")
    expect(dialog.locator(".prompt").first).to_contain_text(asset["record"]["prompt"][:40])
    expect(dialog.locator(".params")).to_contain_text(str(asset["record"]["seed"]))
    expect(page.locator("#detail-img")).to_have_attribute("src", re.compile("/file"))
    page.get_by_role("button", name="Copy prompt").click()
    expect(page.locator("#toast")).to_contain_text("Prompt copied")
    assert page.evaluate("navigator.clipboard.readText()") == asset["record"]["prompt"]
    page.screenshot(path=artifacts / "detail.png")

    page.reload()  # the open detail is part of the URL too
    expect(page.locator("#detail")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#detail")).to_be_hidden()
    expect(page).not_to_have_url(re.compile("open="))
    page.get_by_role("button", name=re.compile("lighthouse|Lighthouse|png|jpg|webp")).first.focus()
    page.keyboard.press("s")  # more like the selected one
    expect(page.locator("#chips")).to_contain_text("more like this")


def test_same_prompt_other_seeds_and_models(
    page: Page, server: Server, tmp_path: Path, artifacts: Path
) -> None:
    prompt = "a copper kettle on a camp stove at dawn, steam, film photo"
    renders = []
    for i, (seed, model) in enumerate(
        [(11, "dreamshaper_8"), (12, "dreamshaper_8"), (13, "juggernautXL_v9")]
    ):
        path = tmp_path / f"kettle_{i}.png"
        settings = {"Steps": 20, "Seed": seed, "Model": model}
        write_png(path, make_image(9100 + i), {"parameters": a1111_parameters(prompt, settings=settings)})
        renders.append(path)
    uploaded = httpx.post(
        f"{server.url}/v1/uploads",
        files=[("files", (p.name, p.read_bytes(), "image/png")) for p in renders],
        timeout=60,
    ).json()
    job = uploaded["job"]["id"]
    for _ in range(240):
        if _api(server, f"/v1/jobs/{job}")["state"] == "done":
            break
        page.wait_for_timeout(500)
    first = next(f["id"] for f in uploaded["files"] if f["name"] == "kettle_0.png")
    page.goto(f"{server.url}/?q=copper+kettle&open={first}")
    strip = page.get_by_role("region", name="Same prompt, other renders")
    expect(strip).to_be_visible()
    expect(strip).to_contain_text("2 other renders of this prompt; they differ in model, seed")
    expect(strip.locator("li")).to_have_count(2)
    expect(strip.locator("li").first).to_contain_text("seed")
    page.screenshot(path=artifacts / "detail-variants.png")
    strip.locator("li button").last.click()  # open another render
    expect(page).not_to_have_url(re.compile(f"open={first}"))
    expect(page.locator("#detail .params")).to_contain_text("1")
    page.go_back()
    expect(page).to_have_url(re.compile(f"open={first}"))


def test_detail_shows_content_credentials(page: Page, server: Server, artifacts: Path) -> None:
    import io

    from latentdam.testing.credentials import firefly_manifest, sign, tamper

    jpeg = io.BytesIO()
    make_image(9300, (96, 64)).save(jpeg, "JPEG")
    files = {
        "firefly.jpg": sign(jpeg.getvalue(), "image/jpeg", firefly_manifest()),
        "firefly-retouched.jpg": tamper(
            sign(jpeg.getvalue(), "image/jpeg", firefly_manifest("retouched.jpg"))
        ),
    }
    uploaded = httpx.post(
        f"{server.url}/v1/uploads",
        files=[("files", (name, data, "image/jpeg")) for name, data in files.items()],
        timeout=60,
    ).json()
    for _ in range(240):
        if _api(server, f"/v1/jobs/{uploaded['job']['id']}")["state"] == "done":
            break
        page.wait_for_timeout(500)
    ids = {f["name"]: f["id"] for f in uploaded["files"]}
    page.goto(f"{server.url}/?q=tool:firefly&open={ids['firefly.jpg']}")
    box = page.get_by_role("region", name="Content Credentials")
    expect(box).to_contain_text("Signed and intact; the signer is not among this server's trust anchors")
    expect(box).to_contain_text("trainedAlgorithmicMedia (AI-made)")
    expect(box).to_contain_text("Adobe Firefly")
    expect(page.locator("#detail .params").first).to_contain_text("firefly")  # the tool
    page.screenshot(path=artifacts / "detail-credentials.png")
    page.goto(f"{server.url}/?q=tool:firefly&open={ids['firefly-retouched.jpg']}")
    expect(page.get_by_role("region", name="Content Credentials")).to_contain_text(
        "Tampered: the file no longer matches what was signed"
    )


def test_detail_shows_every_sampling_pass(page: Page, server: Server, artifacts: Path) -> None:
    """The SDXL base + refiner sample: the refiner made the saved image, the base pass is kept."""
    found = _api(server, "/v1/search", text="corgi", filters={"model": "sd_xl_base"}, limit=3)
    corgi = next(h for h in found["results"] if Path(h["asset"]["path"]).name == "ComfyUI_00027_.png")
    page.goto(f"{server.url}/?q=corgi&open={corgi['id']}")
    params = page.locator("#detail .params").first
    expect(params).to_contain_text("sd_xl_refiner_1.0.safetensors")  # the checkpoint of the image
    expect(params).to_contain_text("sd_xl_base_1.0.safetensors → sd_xl_refiner_1.0.safetensors")
    passes = page.get_by_role("region", name="Sampling passes")
    expect(passes.locator("li")).to_have_count(2)
    expect(passes.locator("li").first).to_contain_text("Pass 1")
    expect(passes.locator("li").first).to_contain_text("sd_xl_base_1.0.safetensors")
    expect(passes.locator("li").last).to_contain_text("Final pass")
    expect(passes.locator("li").last).to_contain_text("seed 887461230055412")  # the base's noise
    passes.scroll_into_view_if_needed()
    page.screenshot(path=artifacts / "detail-sampling-passes.png")


def test_nothing_matches_is_said_plainly(page: Page, server: Server, artifacts: Path) -> None:
    text = "quarterly tax spreadsheet with pivot tables"
    assert _api(server, "/v1/search", text=text)["status"] == "no_match"  # the premise, from the API
    page.goto(server.url)
    _search(page, text)
    expect(page.locator("#notice h2")).to_contain_text(f"No asset in this library matches “{text}”")
    expect(page.locator("#grid .card")).to_have_count(0)
    page.screenshot(path=artifacts / "no-match.png")
    page.get_by_role("link", name="Show the nearest assets anyway").click()
    expect(page.locator("#grid .card").first).to_be_visible()
    expect(page.locator("#grid .band-below").first).to_be_visible()


def _drop(page: Page, data: bytes, name: str, mime: str) -> None:
    transfer = page.evaluate_handle(
        """([b64, name, mime]) => {
            const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
            const dt = new DataTransfer();
            dt.items.add(new File([bytes], name, { type: mime }));
            return dt;
        }""",
        [base64.b64encode(data).decode(), name, mime],
    )
    page.dispatch_event("body", "drop", {"dataTransfer": transfer})


def test_drop_an_image_to_search_by_it(page: Page, server: Server, artifacts: Path) -> None:
    sample = SAMPLES / "other" / "photos" / "autumn forest path.webp"
    page.goto(server.url)
    _drop(page, sample.read_bytes(), sample.name, "image/webp")
    expect(page.locator("#chips .chip-image")).to_contain_text("by image")
    expect(page.locator("#grid .card").first).to_be_visible()
    top = page.locator("#grid .card").first.get_attribute("data-id")
    assert _api(server, f"/v1/assets/{top}")["path"].endswith(sample.name)  # the picture itself first
    page.screenshot(path=artifacts / "search-by-image.png")


def test_upload_by_the_library_page_with_live_progress(
    page: Page, server: Server, tmp_path: Path, artifacts: Path
) -> None:
    files = []
    for i, prompt in enumerate(
        ["a paper boat on a puddle", "a paper boat in the rain", "a paper boat at sea"]
    ):
        path = tmp_path / f"boat_{i}.png"
        write_png(
            path, make_image(7000 + i), {"parameters": a1111_parameters(prompt, settings={"Seed": 7000 + i})}
        )
        files.append(path)
    page.goto(f"{server.url}/?page=library")
    expect(page.locator("#stats h2")).to_contain_text("assets")
    page.locator("#files").set_input_files(files)
    job = page.locator("#jobs .job").first
    expect(job).to_contain_text("ingest · upload")
    expect(job).to_have_class(re.compile("job-done"), timeout=120_000)
    expect(job).to_contain_text("3 added")
    expect(page.locator("#toast")).to_contain_text("3 new")
    page.screenshot(path=artifacts / "library.png", full_page=True)
    page.get_by_role("link", name="Duplicates").click()
    expect(page.locator(".dup-group").first).to_be_visible(timeout=60_000)
    expect(page.locator(".dup-group .keep")).to_have_count(page.locator(".dup-group").count())
    page.screenshot(path=artifacts / "duplicates.png", full_page=True)
    page.goto(f"{server.url}/?q=paper+boat")
    expect(page.locator("#grid .card")).not_to_have_count(0)


def test_help_sheet_and_keyboard(page: Page, server: Server) -> None:
    page.goto(server.url)
    page.keyboard.press("/")
    expect(page.locator("#q")).to_be_focused()
    page.locator("#q").blur()
    page.keyboard.press("?")
    expect(page.locator("#help")).to_be_visible()
    expect(page.locator("#help")).to_contain_text("model:sdxl")


def _serious(page: Page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    response = Axe().run(page).response
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_accessibility_violations(
    page: Page, server: Server, scheme: str, artifacts: Path
) -> None:
    page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
    views: dict[str, list[str]] = {}
    page.goto(f"{server.url}/?q=a+fox")
    _cards(page)
    views["results"] = _serious(page)
    page.screenshot(path=artifacts / f"results-{scheme}.png")
    page.locator("#grid .card-button").first.click()
    expect(page.locator("#detail-info h2")).to_be_visible()
    views["detail"] = _serious(page)
    page.goto(f"{server.url}/?q=quarterly+tax+spreadsheet+with+pivot+tables")
    expect(page.locator("#notice h2")).to_be_visible()
    views["no match"] = _serious(page)
    page.goto(f"{server.url}/?page=library")
    expect(page.locator("#stats h2")).to_be_visible()
    views["library"] = _serious(page)
    page.goto(f"{server.url}/?page=duplicates")
    expect(page.locator("#dup-groups p").first).to_be_visible()
    views["duplicates"] = _serious(page)
    assert views == {view: [] for view in views}


def test_select_compare_and_export(page: Page, server: Server, artifacts: Path) -> None:
    page.goto(f"{server.url}/?q=a+fox")
    ids = _cards(page)
    assert len(ids) >= 3
    cards = page.locator("#grid .card")
    cards.nth(0).locator(".card-button").click(modifiers=["Control"])  # toggle one
    cards.nth(2).locator(".card-button").click(modifiers=["Shift"])  # and the range up to the third
    expect(page.locator("#selection-count")).to_have_text("3 selected")
    expect(page.locator("#grid .card.selected")).to_have_count(3)
    expect(page.locator("#detail")).to_be_hidden()  # selecting never opens a result

    page.get_by_role("button", name="Compare").click()
    compare = page.locator("#compare")
    expect(compare).to_be_visible()
    expect(compare.locator("figure")).to_have_count(3)
    prompts = [_api(server, f"/v1/assets/{i}")["record"]["prompt"] for i in ids[:3]]
    for prompt in prompts:
        expect(compare).to_contain_text(prompt[:30])
    expect(compare.locator(".differs").first).to_be_visible()  # what tells them apart is marked
    page.screenshot(path=artifacts / "compare.png")
    page.keyboard.press("Escape")

    with page.expect_download() as download:
        page.get_by_role("button", name="Export zip").click()
    path = download.value.path()
    import zipfile

    with zipfile.ZipFile(path) as archive:
        lines = archive.read("metadata.jsonl").decode().splitlines()
        assert len(lines) == 3 and "records.parquet" in archive.namelist()
    page.get_by_role("button", name="Clear").click()
    expect(page.locator("#selection")).to_be_hidden()


def test_comfyui_stages_and_field_value_suggestions(page: Page, server: Server) -> None:
    comfy = _api(server, "/v1/search", filters={"tool": "comfyui", "path": "*lora_stack*"}, limit=1)[
        "results"
    ][0]
    page.goto(f"{server.url}/?q=tool:comfyui&open={comfy['id']}")
    stages = page.locator("#detail .stages")
    expect(stages).to_contain_text("ComfyUI graph")
    stages.locator("summary").click()
    expect(stages).to_contain_text("KSampler")
    expect(stages).to_contain_text("LoraLoader")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download workflow").click()
    workflow = json.loads(Path(download.value.path()).read_text())
    assert "nodes" in workflow and download.value.suggested_filename.endswith(".workflow.json")
    page.keyboard.press("Escape")

    page.locator("#q").fill("castle model:dream")  # typing a field term suggests the library's values
    options = page.locator("#history option")
    expect(options.first).to_be_attached()
    values = options.evaluate_all("os => os.map((o) => o.value)")
    assert values and all(v.startswith("castle model:") and "dream" in v.lower() for v in values)


def test_explore_the_neighbourhoods_and_the_map(page: Page, server: Server, artifacts: Path) -> None:
    page.goto(f"{server.url}/?page=explore")
    if httpx.get(f"{server.url}/v1/explore", timeout=60).status_code == 202:  # not drawn yet
        expect(page.locator(".computing")).to_contain_text("Drawing the map")
    hoods = page.locator(".hood")
    expect(hoods.first).to_be_visible(timeout=120_000)  # the background job is done: it shows
    explored = _api(server, "/v1/explore")
    assert explored["projection"] == "umap" and not explored["stale"]
    expect(hoods).to_have_count(len(explored["neighbourhoods"]))
    expect(page.locator("#explore-hint")).to_contain_text("UMAP map")
    first = explored["neighbourhoods"][0]
    expect(hoods.first.locator("h2")).to_contain_text(" · ".join(first["label"]) or "neighbourhood")
    expect(hoods.first.locator(".thumbs button")).to_have_count(len(first["samples"]))
    painted = page.locator("#map").evaluate(
        """(c) => { const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
                    let n = 0; for (let i = 3; i < d.length; i += 4) n += d[i] > 0; return n; }"""
    )
    assert painted > 100  # the points are drawn
    page.screenshot(path=artifacts / "explore.png", full_page=True)
    box = page.locator("#map").bounding_box()
    assert box is not None
    at = {"x": 16 + explored["x"][0] * (box["width"] - 32), "y": 16 + explored["y"][0] * (box["height"] - 32)}
    page.locator("#map").hover(position=at)  # zoom in around a point
    for _ in range(8):
        page.mouse.wheel(0, -200)  # close up, the points become pictures
    page.wait_for_timeout(500)
    colours = page.locator("#map").evaluate(
        """(c) => { const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
                    const seen = new Set(); for (let i = 0; i < d.length; i += 4)
                      if (d[i + 3] > 0) seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
                    return seen.size; }"""
    )
    assert colours > 10 * len(explored["neighbourhoods"])  # pictures, not one colour a cluster
    page.screenshot(path=artifacts / "explore-zoomed.png")
    hoods.first.locator(".thumbs button").first.click()
    expect(page.locator("#detail")).to_be_visible()
    expect(page).to_have_url(re.compile(f"open={first['samples'][0]}"))
    page.goto(f"{server.url}/?page=explore")  # unzoomed: a click on a point opens that asset
    page.wait_for_function("performance.getEntriesByName('latentdam:map').length > 0")
    page.locator("#map").click(position=at)
    expect(page).to_have_url(re.compile(f"open={explored['ids'][0]}"))


@pytest.fixture
def guarded_server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The gallery from a server that needs a key (in-process uvicorn, keys required)."""
    import threading

    import uvicorn

    from latentdam import Library, Settings
    from latentdam.api import ServerConfig, create_app
    from latentdam.api.keys import Scope, create_key
    from latentdam.testing.server import free_port

    library = Library.create(settings=Settings(library=str(tmp_path / "lib")))
    library.ingest([SAMPLES / "comfyui"])
    _, token = create_key(library.store, "browser", [Scope.SEARCH])
    port = free_port()
    app = create_app(library.settings, ServerConfig(port=port, require_keys=True), library=library)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            if httpx.get(f"{url}/v1/health", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        threading.Event().wait(0.05)
    yield url, token
    server.should_exit = True
    thread.join(timeout=30)


def test_wander_from_an_asset_to_its_neighbours_neighbours(
    page: Page, server: Server, artifacts: Path
) -> None:
    page.goto(f"{server.url}/?q=lighthouse")
    page.locator("#grid .card-button").first.click()
    start = page.locator("#grid .card").first.get_attribute("data-id")
    page.get_by_role("button", name="Wander from here").click()
    wander = page.get_by_role("region", name="Wander")
    expect(wander).to_be_visible()
    expect(page).to_have_url(re.compile(f"page=explore.*wander={start}"))
    near = wander.locator(".wander-near")
    expect(near).to_have_count(6)
    further = wander.locator(".wander-far")
    expect(further.first).to_be_visible()
    shown = [
        start,
        *near.evaluate_all("ts => ts.map(t => t.dataset.id)"),
        *further.evaluate_all("ts => ts.map(t => t.dataset.id)"),
    ]
    assert len(shown) == len(set(shown))  # a neighbour's neighbours are the ones not shown yet
    expected = [h["id"] for h in _api(server, f"/v1/assets/{start}/similar?limit=6")["results"]]
    assert shown[1:7] == expected  # the public similar API, in its order
    page.screenshot(path=artifacts / "wander.png", full_page=True)
    step = further.first.get_attribute("data-id")
    further.first.click()  # walk on, two steps from the start
    expect(page).to_have_url(re.compile(f"wander={step}"))
    expect(wander.locator(".wander-centre .wander-tile")).to_have_attribute("data-id", step)
    page.go_back()
    expect(wander.locator(".wander-centre .wander-tile")).to_have_attribute("data-id", start)


def test_a_server_that_needs_a_key_asks_for_it_once(page: Page, guarded_server: tuple[str, str]) -> None:
    url, token = guarded_server
    page.goto(f"{url}/?q=a+cat")
    dialog = page.locator("#key-dialog")
    expect(dialog).to_be_visible()
    page.locator("#key-input").fill(token)
    page.locator("#key-input").press("Enter")
    expect(page.locator("#grid .card").first).to_be_visible()
    expect(page.locator("#grid .card img").first).to_have_attribute(
        "src", re.compile("^blob:")
    )  # sent with the key
    page.goto(f"{url}/?q=a+dog")  # the same tab: not asked again
    expect(page.locator("#grid[aria-busy=false]")).to_be_attached()
    expect(dialog).to_be_hidden()


def test_switch_the_model_from_the_library_page(page: Page, server: Server, artifacts: Path) -> None:
    from latentdam.testing.tiny_models import save_tiny_clip

    root = Path(_api(server, "/v1/stats")["path"]).parent  # the server's --root
    save_tiny_clip(root / "models" / "tiny-clip", seed=3)
    page.goto(f"{server.url}/?page=library")
    expect(page.locator("#spaces li")).to_have_count(2)
    page.locator("#reembed-model").fill("models/tiny-clip")
    page.get_by_role("button", name="Re-embed").click()
    job = page.locator("#jobs .job").first
    expect(job).to_contain_text("reembed")
    expect(job).to_have_class(re.compile("job-done"), timeout=120_000)
    expect(job).to_contain_text("now answering searches")
    expect(page.locator("#spaces li")).to_have_count(3)
    expect(page.locator("#spaces")).to_contain_text("tiny_clip")
    page.screenshot(path=artifacts / "library-reembed.png", full_page=True)


def test_compare_a_new_space_with_the_current_one(page: Page, server: Server, artifacts: Path) -> None:
    from latentdam.testing.tiny_models import save_tiny_clip

    root = Path(_api(server, "/v1/stats")["path"]).parent
    save_tiny_clip(root / "models" / "clip-next", seed=5)
    job = _api(server, "/v1/jobs/reembed", model="models/clip-next", activate=False)
    for _ in range(240):
        if _api(server, f"/v1/jobs/{job['id']}")["state"] not in ("queued", "running"):
            break
        page.wait_for_timeout(500)
    waiting = [s for s in _api(server, "/v1/spaces")["spaces"] if not s["active"] and s["coverage"] > 0]
    assert [s["name"] for s in waiting] == ["clip_next"]
    page.goto(f"{server.url}/?page=library")
    compare = page.get_by_role("search", name="Compare the current and the new space")
    expect(compare).to_be_visible()
    compare.get_by_role("textbox").fill("a lighthouse at dusk")
    compare.get_by_role("button", name="Compare").click()
    columns = page.locator(".compare-column")
    expect(columns).to_have_count(2)
    expect(columns.nth(1).locator("h3")).to_contain_text(
        "After switching to clip_next (100% embedded so far)"
    )
    expect(columns.nth(1)).to_contain_text("clip_next")  # the spaces that answered
    expect(columns.nth(0)).not_to_contain_text("clip_next")
    expect(columns.nth(1).locator(".card").first).to_be_visible()
    page.screenshot(path=artifacts / "library-compare-spaces.png", full_page=True)


def test_the_api_docs_render_offline(page: Page, server: Server) -> None:
    page.goto(f"{server.url}/docs")
    expect(page.locator(".opblock").first).to_be_visible(timeout=20_000)  # Swagger UI, served locally
    expect(page.locator(".opblock-summary-path", has_text="/v1/search")).to_be_visible()


def test_bulk_tag_a_selection_then_find_it_by_tag(page: Page, server: Server) -> None:
    page.goto(f"{server.url}/?q=a+fox")
    ids = _cards(page)[:2]
    cards = page.locator("#grid .card")
    cards.nth(0).locator(".select").click()
    cards.nth(1).locator(".select").click()
    expect(page.locator("#selection-count")).to_have_text("2 selected")
    page.locator("#tag-input").fill("shortlist")
    page.get_by_role("button", name="Tag", exact=True).click()
    expect(page.locator("#toast")).to_contain_text("2 assets tagged “shortlist”", timeout=60_000)
    page.goto(f"{server.url}/?q=tag:shortlist")
    assert sorted(_cards(page)) == sorted(ids)
    expect(page.locator("#chips")).to_contain_text("tag: shortlist")
