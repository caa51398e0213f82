"""Paging through more than a thousand results in the browser: cursor pages land on scroll,
none twice, none lost, and the page keeps the order the API gives."""

from __future__ import annotations

import os
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

# one worker runs the module (pytest-xdist): its served library is built once
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("gallery_scale")]
FILES = 1_100
# paging by filters and dates, not a model: the library is on the weight-free hash text space
SPACES = {"LATENTDAM_SPACES": '["test_hash_text", "visual_descriptor_v1"]'}


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
        env=os.environ | SPACES,
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
    seen: dict[int, str] = {}  # position in the list -> id, as the windowed grid shows them
    most_in_dom = 0

    def look() -> None:
        nonlocal most_in_dom
        shown = cards.evaluate_all(
            "cs => cs.map(c => [Number(c.getAttribute('aria-posinset')), c.dataset.id])"
        )
        most_in_dom = max(most_in_dom, len(shown))
        for position, id_ in shown:
            assert seen.setdefault(position, id_) == id_, f"result {position} changed while scrolling"

    look()
    deadline = time.monotonic() + 180
    while page.locator("#more").inner_text() != "End of results" and time.monotonic() < deadline:
        page.mouse.wheel(0, 1500)
        page.wait_for_timeout(60)
        look()
    expect(page.locator("#more")).to_have_text("End of results", timeout=60_000)
    for _ in range(3):  # the last rows
        page.mouse.wheel(0, 5000)
        page.wait_for_timeout(150)
        look()
    assert page.locator("#grid").get_attribute("data-count") == str(FILES)
    assert sorted(seen) == list(range(1, FILES + 1))  # every position shown on the way down
    ids = [seen[i] for i in range(1, FILES + 1)]
    assert len(set(ids)) == FILES  # none twice
    assert ids[:1000] == [h["id"] for h in everything["results"]]  # the API's order, page after page
    assert most_in_dom < 300, f"{most_in_dom} cards in the DOM at once: the grid is not windowed"
    page.screenshot(path=artifacts / "scrolled.png")


def test_keyboard_moves_through_rows_the_window_has_not_drawn(page: Page, big_server: Server) -> None:
    page.goto(f"{big_server.url}/?q=tool:a1111&sort=date")
    expect(page.locator("#grid .card").first).to_be_visible()
    page.locator("#grid .card-button").first.focus()
    where = "document.activeElement.closest('.card')?.getAttribute('aria-posinset')"
    deadline = time.monotonic() + 60
    focused = page.evaluate(where)
    while int(focused or 0) <= 200 and time.monotonic() < deadline:  # the key held: pages land on the way
        page.keyboard.press("ArrowDown")
        page.wait_for_timeout(50)
        focused = page.evaluate(where)
    assert focused is not None and int(focused) > 200  # far below what the window first drew
    page.keyboard.press("Enter")
    expect(page.locator("#detail")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#detail")).to_be_hidden()
    after = page.evaluate(where)
    assert after == focused  # back from the detail where it was
