"""The gallery in headless Chromium on the bench library, with a warm server: time from
Enter to the first results painted (p50/p95 over 20 dev queries, a second apart), long tasks while
scrolling through every result of a query, and the page's JS heap as the pages land.

    .venv/bin/python bench/web_speed.py [--workdir /tmp/latentdam-bench] [--queries 20]

Needs Debian's chromium (`make browser`).
"""

from __future__ import annotations

import statistics
import sys

from playwright.sync_api import sync_playwright
from quality import bench_parser, load_queries

from latentdam.testing.browser import CHROMIUM
from latentdam.testing.browser import FLAGS as BROWSER_FLAGS
from latentdam.testing.server import serving

FLAGS = [*BROWSER_FLAGS, "--enable-precise-memory-info"]

TIMING = """() => {
  const start = performance.getEntriesByName("enter").at(-1).startTime;
  const mark = (name) => performance.getEntriesByName(name).at(-1)?.startTime - start;
  return {dom: mark("latentdam:results"), painted: mark("latentdam:painted")};
}"""


def main() -> int:
    parser = bench_parser(__doc__)
    parser.add_argument("--queries", type=int, default=20)
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

        # every result of one query, scrolled through page by page
        page.goto(f"{server.url}/?q=a+photo&all=1")
        page.wait_for_function("performance.getEntriesByName('latentdam:painted').length > 0")
        page.evaluate("""() => { window.__long = [];
            new PerformanceObserver((l) => window.__long.push(...l.getEntries().map((e) => e.duration)))
              .observe({type: "longtask"}); }""")
        heap = []
        cards = page.locator("#grid .card")
        while page.locator("#more").inner_text() != "End of results":
            page.mouse.wheel(0, 4000)
            page.wait_for_timeout(100)
            heap.append((cards.count(), page.evaluate("performance.memory.usedJSHeapSize")))
        heap.append((cards.count(), page.evaluate("performance.memory.usedJSHeapSize")))
        long_tasks = page.evaluate("window.__long")
        browser.close()

    def pct(values: list[float]) -> str:
        ordered = sorted(values)
        return (
            f"p50 {statistics.median(ordered):.0f} ms, p95 {ordered[int(0.95 * (len(ordered) - 1))]:.0f} ms"
        )

    print(f"{len(texts)} queries (quality_dev2), warm server, limit 60 + facets, as the gallery asks")
    print(f"Enter -> results in the DOM: {pct(dom)}")
    print(f"Enter -> results painted:   {pct(painted)}  (goal: p50 <= 300 ms)")
    print(
        f"scrolling {heap[-1][0]} results: {len(long_tasks)} long tasks, longest {max(long_tasks, default=0):.0f} ms,"
        f" {sum(d > 100 for d in long_tasks)} over 100 ms"
    )
    first, last = heap[0], heap[-1]
    print(
        f"JS heap: {first[1] / 2**20:.1f} MiB at {first[0]} cards -> {last[1] / 2**20:.1f} MiB at {last[0]} cards"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
