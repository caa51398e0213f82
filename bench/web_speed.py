"""The gallery in headless Chromium with a warm server, in three parts:

- enter: on the bench library, the time from Enter to the first results painted (p50/p95
  over 20 dev queries, a second apart);
- scroll: long tasks while scrolling through every result of one query on a grown library
  (bench/grow.py), and the page's JS heap and DOM size as the pages land;
- explore: on a grown library, the explore map: its JSON's download, the long tasks while the
  page takes it in, the first draw of every point, and the redraws while zooming and dragging.

    .venv/bin/python bench/web_speed.py [--workdir /tmp/latentdam-bench] [--queries 20]
    .venv/bin/python bench/web_speed.py --parts explore --explore-library /tmp/latentdam-bench/grown-100000/library

Needs Debian's chromium (`make browser`). Progress goes to stderr.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, sync_playwright
from quality import bench_parser, load_queries

from latentdam.testing.browser import CHROMIUM
from latentdam.testing.browser import FLAGS as BROWSER_FLAGS
from latentdam.testing.server import serving

FLAGS = [*BROWSER_FLAGS, "--enable-precise-memory-info", "--js-flags=--expose-gc"]

TIMING = """() => {
  const start = performance.getEntriesByName("enter").at(-1).startTime;
  const mark = (name) => performance.getEntriesByName(name).at(-1)?.startTime - start;
  return {dom: mark("latentdam:results"), painted: mark("latentdam:painted")};
}"""


PARTS = ("enter", "scroll", "explore")


def main() -> int:
    parser = bench_parser(__doc__)
    parser.add_argument("--queries", type=int, default=20)
    parser.add_argument("--parts", nargs="+", choices=PARTS, default=list(PARTS))
    parser.add_argument(
        "--scroll-library",
        type=Path,
        help="the library to scroll through (default: WORKDIR/grown-10000/library)",
    )
    parser.add_argument(
        "--scroll-max", type=int, default=0, help="stop scrolling after this many results (0: all of them)"
    )
    parser.add_argument(
        "--explore-library",
        type=Path,
        help="the library whose map is drawn (default: WORKDIR/grown-100000/library, else grown-10000)",
    )
    args = parser.parse_args()
    if "enter" in args.parts:
        enter(args)
    if "scroll" in args.parts:
        scroll(args.scroll_library or args.workdir / "grown-10000" / "library", args.scroll_max)
    if "explore" in args.parts:
        grown = [args.workdir / f"grown-{n}" / "library" for n in (100000, 10000)]
        explore(args.explore_library or next((g for g in grown if g.exists()), grown[0]))
    return 0


@contextmanager
def browsing(library: Path) -> Iterator[tuple[str, Page]]:
    """A warm `latentdam serve` on the library and a Chromium page at the gallery's size."""
    with serving(library) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield server.url, browser.new_page(viewport={"width": 1400, "height": 900})
        browser.close()


def pct(values: list[float]) -> str:
    ordered = sorted(values)
    return f"p50 {statistics.median(ordered):.0f} ms, p95 {ordered[int(0.95 * (len(ordered) - 1))]:.0f} ms"


def enter(args: Any) -> None:
    texts = [q.text for q in load_queries(args.data / "quality_dev2.json")][: args.queries]
    with browsing(args.workdir / "library") as (url, page):
        page.goto(url)
        page.evaluate("""() => document.getElementById("q").addEventListener(
            "keydown", (e) => { if (e.key === "Enter") performance.mark("enter"); }, true)""")
        for text in texts[:3]:  # warm: query vectors, thumbnails' first decode
            page.locator("#q").fill(text)
            page.locator("#q").press("Enter")
            page.wait_for_function("performance.getEntriesByName('latentdam:painted').length > 0")
        dom, painted = [], []
        for text in texts:
            page.wait_for_timeout(1000)  # a person looks at the results (their thumbnails load)
            page.evaluate("performance.clearMarks()")
            page.locator("#q").fill(text)
            page.locator("#q").press("Enter")
            page.wait_for_function("performance.getEntriesByName('latentdam:painted').length > 0")
            timing = page.evaluate(TIMING)
            dom.append(timing["dom"])
            painted.append(timing["painted"])
    print(f"{len(texts)} queries (quality_dev2), warm server, limit 60 + facets, as the gallery asks")
    print(f"Enter -> results in the DOM: {pct(dom)}")
    print(f"Enter -> results painted:   {pct(painted)}  (goal: p50 <= 300 ms)")


def scroll(library: Path, most: int = 0) -> None:
    if not library.exists():
        print(f"(no {library}: run bench/grow.py --size 10000 to measure scrolling 10,000 results)")
        return
    with browsing(library) as (url, page):
        started = time.perf_counter()
        s = scroll_through(page, f"{url}/?q=tool:a1111&sort=date", most)
        seconds = time.perf_counter() - started
    long_tasks = s["long_tasks"]
    print(
        f"scrolling {s['results']} results{' (stopped there)' if most else ''} ({library}) in {seconds:.0f} s: {len(long_tasks)} long tasks,"
        f" longest {max(long_tasks, default=0):.0f} ms, {sum(d > 100 for d in long_tasks)} over 100 ms (goal: none)"
    )
    heap = s["heap"]
    print(
        f"JS heap: {heap[0][1] / 2**20:.1f} MiB at {heap[0][0]} results -> {heap[len(heap) // 2][1] / 2**20:.1f}"
        f" MiB at {heap[len(heap) // 2][0]} -> {heap[-1][1] / 2**20:.1f} MiB at {heap[-1][0]};"
        f" DOM nodes at the end: {s['nodes']}"
    )


def scroll_through(page: Page, url: str, most: int = 0) -> dict[str, Any]:
    """Every result of one query, scrolled through page by page as a person flicks the wheel:
    long tasks (PerformanceObserver), the JS heap after each step, the DOM's size at the end."""
    page.goto(url)
    page.wait_for_function("performance.getEntriesByName('latentdam:painted').length > 0")
    page.evaluate("""() => { window.__long = [];
        new PerformanceObserver((l) => window.__long.push(...l.getEntries().map((e) => e.duration)))
          .observe({type: "longtask"}); }""")
    count = "Number(document.getElementById('grid').dataset.count || document.querySelectorAll('#grid .card').length)"
    heap = []
    while page.locator("#more").inner_text() != "End of results":
        page.mouse.wheel(0, 4000)
        page.wait_for_timeout(100)
        heap.append((page.evaluate(count), page.evaluate("performance.memory.usedJSHeapSize")))
        if len(heap) % 500 == 0:
            print(f"  scrolled to result {heap[-1][0]}", file=sys.stderr, flush=True)
        if most and heap[-1][0] >= most:
            break
    page.evaluate("() => new Promise((done) => setTimeout(done, 500))")
    page.evaluate("() => window.gc && window.gc()")
    heap.append((page.evaluate(count), page.evaluate("performance.memory.usedJSHeapSize")))
    return {
        "results": heap[-1][0],
        "long_tasks": page.evaluate("window.__long"),
        "heap": heap,
        "nodes": page.evaluate("document.getElementsByTagName('*').length"),
    }


MAP_DRAWS = "() => performance.getEntriesByName('latentdam:map').map((e) => e.duration)"


def explore(library: Path) -> None:
    """The explore page on a library whose map is kept (bench/explore_speed.py keeps one)."""
    if not library.exists():
        print(f"(no {library}: run bench/grow.py --size 100000 to measure the map of 100k assets)")
        return
    with browsing(library) as (url, page):
        page.add_init_script("""window.__long = [];
            new PerformanceObserver((l) => window.__long.push(...l.getEntries().map((e) => e.duration)))
              .observe({type: "longtask", buffered: true});""")
        page.goto(f"{url}/?page=explore")
        page.wait_for_function(
            f"({MAP_DRAWS})().length > 0", timeout=600_000
        )  # a map being computed: minutes
        page.wait_for_timeout(1000)
        points = page.evaluate("document.getElementById('explore-hint').textContent.split(' ')[0]")
        download = page.evaluate("""() => performance.getEntriesByType("resource")
            .filter((e) => e.name.endsWith("/v1/explore")).map((e) => [e.responseEnd - e.startTime, e.encodedBodySize]).at(-1)""")
        first = page.evaluate(MAP_DRAWS)
        loading = page.evaluate("window.__long")
        page.evaluate("window.__long = []; performance.clearMeasures()")
        box = page.locator("#map").bounding_box()
        assert box is not None
        page.mouse.move(box["x"] + box["width"] / 3, box["y"] + box["height"] / 3)
        for _ in range(12):  # zoom in to where pictures show, a wheel notch at a time
            page.mouse.wheel(0, -200)
            page.wait_for_timeout(50)
        page.mouse.down()
        for step in range(30):  # drag across the zoomed map
            page.mouse.move(box["x"] + box["width"] / 3 + 10 * step, box["y"] + box["height"] / 3 + 5 * step)
            page.wait_for_timeout(16)
        page.mouse.up()
        for _ in range(12):  # and out again
            page.mouse.wheel(0, 200)
            page.wait_for_timeout(50)
        page.wait_for_timeout(500)
        redraws = page.evaluate(MAP_DRAWS)
        moving = page.evaluate("window.__long")
    print(
        f"explore map of {points} assets ({library}): JSON {download[1] / 2**20:.2f} MiB in {download[0]:.0f} ms;"
        f" while the page takes it in: {len(loading)} long tasks, longest {max(loading, default=0):.0f} ms"
    )
    print(f"first draw of every point: {first[0]:.1f} ms")
    print(
        f"{len(redraws)} redraws while zooming and dragging: {pct(redraws)}, longest {max(redraws):.1f} ms;"
        f" {len(moving)} long tasks, {sum(d > 100 for d in moving)} over 100 ms (goal: none)"
    )


if __name__ == "__main__":
    sys.exit(main())
