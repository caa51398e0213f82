"""Paging through more than a thousand results in the browser: cursor pages land on scroll,
none twice, none lost, and the page keeps the order the API gives."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from latentdam.testing.formats import a1111_parameters, make_image, write_png
from latentdam.testing.server import Server, serving

pytestmark = pytest.mark.slow
FILES = 1_100


@pytest.fixture(scope="module")
def big_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("big")
    images = root / "images"
    images.mkdir()
    subjects = ["windmill", "lighthouse", "harbour", "forest path", "desert road", "city roof"]
    for i in range(FILES):
        prompt = f"study {i} of a {subjects[i % len(subjects)]} at noon, variation {i * 7}"
        write_png(
            images / f"shot_{i:04d}.png",
            make_image(20_000 + i, (48, 32 + i % 3 * 16)),
            {"parameters": a1111_parameters(prompt, settings={"Seed": i})},
        )
    library = root / "library"
    subprocess.run(
        [sys.executable, "-m", "latentdam", "ingest", str(images), "--library", str(library)],
        check=True,
        capture_output=True,
        timeout=900,
    )
    with serving(library) as running:
        yield running


def test_scrolling_pages_through_every_result_once(page: Page, big_server: Server, artifacts: Path) -> None:
    everything = httpx.post(
        f"{big_server.url}/v1/search",
        json={"filters": {"tool": "a1111"}, "sort": "date", "limit": 1000},
        timeout=120,
    ).json()
    assert len(everything["results"]) == 1000 and everything["next_cursor"]  # more than one full page
    page.goto(f"{big_server.url}/?q=tool:a1111&sort=date")
    cards = page.locator("#grid .card")
    expect(cards.first).to_be_visible()
    deadline = time.monotonic() + 120
    while cards.count() < FILES and time.monotonic() < deadline:
        page.mouse.wheel(0, 20_000)
        page.wait_for_timeout(150)
    expect(page.locator("#more")).to_have_text("End of results", timeout=60_000)
    ids = cards.evaluate_all("cards => cards.map(c => c.dataset.id)")
    assert len(ids) == len(set(ids)) == FILES
    assert ids[:1000] == [h["id"] for h in everything["results"]]  # the API's order, page after page
    page.screenshot(path=artifacts / "scrolled.png")
