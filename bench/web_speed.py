"""The gallery in headless Chromium on the bench library, with a warm server: time from
Enter to the first results painted (p50/p95 over 20 dev queries, a second apart), long tasks while
scrolling through the 10,000 results of a grown library (bench/grow.py), and the page's JS heap
and DOM size as the pages land.

    .venv/bin/python bench/web_speed.py [--workdir /tmp/latentdam-bench] [--queries 20]

Needs Debian's chromium (`make browser`).
"""

from __future__ import annotations

import statistics
import sys
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


def main() -> int:
    parser = bench_parser(__doc__)
    parser.add_argument("--queries", type=int, default=20)
    parser.add_argument(
        "--scroll-library",
        type=Path,
        help="the library to scroll through (default: WORKDIR/grown-10000/library)",
    )
    args = parser.parse_args()
    texts = [q.text for q in load_queries(args.data / "quality_dev2.json")][: args.queries]
    with serving(args.workdir / "library") as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(server.url)
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

        browser.close()

    def pct(values: list[float]) -> str:
        ordered = sorted(values)
        return (
            f"p50 {statistics.median(ordered):.0f} ms, p95 {ordered[int(0.95 * (len(ordered) - 1))]:.0f} ms"
        )

    print(f"{len(texts)} queries (quality_dev2), warm server, limit 60 + facets, as the gallery asks")
    print(f"Enter -> results in the DOM: {pct(dom)}")
    print(f"Enter -> results painted:   {pct(painted)}  (goal: p50 <= 300 ms)")
    scroll = args.scroll_library or args.workdir / "grown-10000" / "library"
    if not scroll.exists():
        print(f"(no {scroll}: run bench/grow.py --size 10000 to measure scrolling 10,000 results)")
        return 0
    with serving(scroll) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        s = scroll_through(page, f"{server.url}/?q=tool:a1111&sort=date")
        browser.close()
    long_tasks = s["long_tasks"]
    print(
        f"scrolling {s['results']} results ({scroll}): {len(long_tasks)} long tasks, longest"
        f" {max(long_tasks, default=0):.0f} ms, {sum(d > 100 for d in long_tasks)} over 100 ms (goal: none)"
    )
    heap = s["heap"]
    print(
        f"JS heap: {heap[0][1] / 2**20:.1f} MiB at {heap[0][0]} results -> {heap[len(heap) // 2][1] / 2**20:.1f}"
        f" MiB at {heap[len(heap) // 2][0]} -> {heap[-1][1] / 2**20:.1f} MiB at {heap[-1][0]};"
        f" DOM nodes at the end: {s['nodes']}"
    )
    return 0


def scroll_through(page: Page, url: str) -> dict[str, Any]:
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
    page.evaluate("() => new Promise((done) => setTimeout(done, 500))")
    page.evaluate("() => window.gc && window.gc()")
    heap.append((page.evaluate(count), page.evaluate("performance.memory.usedJSHeapSize")))
    return {
        "results": heap[-1][0],
        "long_tasks": page.evaluate("window.__long"),
        "heap": heap,
        "nodes": page.evaluate("document.getElementsByTagName('*').length"),
    }


if __name__ == "__main__":
    sys.exit(main())
