"""Search: Pagefind index time for 10, 30, 100 and 1,000 issues, and search answer time in Chromium.

Synthetic issues are made of NTREX-128 documents (real news, English with its human Arabic
translation): five stories an issue, each a document's headline and next four lines, one issue a
day. The index is written by digest.publish.search.index_site, as `digest build` writes it; the answer
time is measured in headless Chromium (Debian's /usr/bin/chromium through Playwright) on the
1,000-issue site served on 127.0.0.1: from the query to the data of the results shown (the
best 30) loaded, for the first query the moment a page has loaded (the bundles' WebAssembly
still loading), the first query once the page has been open two seconds (a reader typing), and
the median of the next five (warm).

    python benchmarks/search_index.py        # writes the Search section of BENCHMARKS.md
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digest.news import (  # noqa: E402
    Bilingual,
    Bullet,
    Issue,
    Signature,
    SourceRef,
    StoryDigest,
    story_id,
)
from digest.publish import render, search  # noqa: E402
from tests.search_sites import ntrex_documents, serve  # noqa: E402

SIZES = (10, 30, 100, 1000)
STORIES = 5
QUERIES = [("tsunami", {}), ("إندونيسيا", {}), ("police", {"outlet": "dailymail"}), ("الشرطة", {})]
# Milliseconds a reader takes to type a query, while the page loads the index in the background.
READING = 2000
SIGNATURE = Signature("bench", None, None, None, "none", "bench")


def synthetic_issues(count: int) -> list[Issue]:
    documents = [d for d in ntrex_documents() if len(d.arabic) >= 5]
    start = dt.date(2023, 1, 1)
    issues = []
    for number in range(count):
        date = start + dt.timedelta(days=number)
        stories = []
        for slot in range(STORIES):
            doc = documents[(number * STORIES + slot) % len(documents)]
            stories.append(
                StoryDigest(
                    headline=Bilingual(doc.arabic[0], doc.english[0]),
                    bullets=tuple(
                        Bullet(Bilingual(ar, en), doc.outlet)
                        for ar, en in zip(doc.arabic[1:5], doc.english[1:5], strict=True)
                    ),
                    sources=(SourceRef(doc.outlet, f"https://example.org/{doc.id}", date),),
                    id=story_id([doc.id, date.isoformat()]),
                )
            )
        issues.append(Issue(date, "Arabic press digest", tuple(stories), SIGNATURE))
    return sorted(issues, key=lambda i: i.date, reverse=True)


def index_seconds(out: Path, issues: list[Issue], runs: int) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        assert search.index_site(out, issues) is None
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def answer_times(
    out: Path, issues: list[Issue], warm_runs: int
) -> list[tuple[str, float, float, int]]:
    from playwright.sync_api import sync_playwright

    env = render.environment()
    for name, text in render.render_site(issues, env, search=True).items():
        (out / name).write_text(text, encoding="utf-8")
    (out / "assets").mkdir(exist_ok=True)
    for name, text in render.render_assets(env, search=True).items():
        (out / "assets" / name).write_text(text, encoding="utf-8")
    rows = []
    with serve(out) as root, sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"]
        )
        for query, options in QUERIES:
            timed = []
            for pause in (0, READING):
                page = chromium.new_page()
                page.goto(root + "search.html", wait_until="load")
                page.wait_for_timeout(pause)
                for _ in range(warm_runs + 1 if pause else 1):
                    timed.append(timed_query(page, query, options))
                page.close()
            label = query + (f" (outlet {options['outlet']})" if options else "")
            rows.append(
                (
                    label,
                    timed[0][0],
                    timed[1][0],
                    statistics.median(t for t, _ in timed[2:]),
                    timed[0][1],
                )
            )
        chromium.close()
    return rows


def timed_query(page, query: str, options: dict[str, str]) -> tuple[float, int]:
    """Milliseconds from the query to the results shown, and how many stories match."""
    return page.evaluate(
        """async ([query, options]) => {
            const m = await import('./assets/search.js');
            const began = performance.now();
            const found = await m.find(query, options);
            return [performance.now() - began, found.total];
        }""",
        [query, options],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="timed index builds per size (median)")
    parser.add_argument("--benchmarks", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args()

    from digest.evaluate import report

    load = os.getloadavg()[0]
    index_rows = []
    with tempfile.TemporaryDirectory(prefix="digest-search-bench-") as temporary:
        for size in SIZES:
            out = Path(temporary) / str(size)
            out.mkdir()
            issues = synthetic_issues(size)
            seconds = index_seconds(out, issues, args.runs)
            bundle = sum(f.stat().st_size for f in (out / "pagefind").rglob("*") if f.is_file())
            index_rows.append((size, size * STORIES, f"{seconds:.2f}", f"{bundle / 1e6:.1f}"))
            print(index_rows[-1], flush=True)
        answers = answer_times(Path(temporary) / "1000", synthetic_issues(1000), 5)
    for row in answers:
        print(row, flush=True)
    body = (
        "## Search: Pagefind index and answer time\n\n"
        f"`python benchmarks/search_index.py` on {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores (load average {load:.1f} at the start; the machine is shared), "
        f"synthetic issues of {STORIES} NTREX stories each, English "
        "and Arabic bundles written together, the whole site re-indexed (median of "
        f"{args.runs}).\n\n"
        + report.table(["issues", "stories", "index time (s)", "bundle size (MB)"], index_rows)
        + "\n\nAnswer time in headless Chromium on the 1,000-issue site served on 127.0.0.1, "
        "from the query to the data of the results shown (the best 30) loaded: the first query "
        "the moment the page has loaded, the first once it has been open 2 s (the page loads "
        "the index while a reader types), then the median of 5 more:\n\n"
        + report.table(
            ["query", "at once (ms)", "after 2 s (ms)", "warm (ms)", "results"],
            [
                (q, f"{cold:.0f}", f"{typed:.0f}", f"{warm:.0f}", n)
                for q, cold, typed, warm, n in answers
            ],
        )
    )
    report.update_section(args.benchmarks, "search", body)


if __name__ == "__main__":
    main()
