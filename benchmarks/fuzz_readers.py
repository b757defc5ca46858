"""Fuzzing the readers: at least 100,000 generated hostile inputs through read_sources.

Text files, JSON lines, pages and feeds (bad URLs, nesting up to 100,000 deep, lone surrogates,
noncharacters, escape sequences, huge fields, thirteen encodings and mis-encodings), and URL
answers from a local HTTP server (the same documents compressed, nested, truncated, corrupt or
mislabelled, with failing statuses), built by tests/hostile_inputs.py from a seeded random
generator. Each input is read on its own, as `digest build` would read it among others, and
counted: the articles it gave, its one-line reports, any exception out of read_sources (the
target is none) and any break of the one rule (tests/hostile_inputs.broken_rules: a report over
two lines, an unsafe character a reader would see). An input that raised or broke the rule is
kept in --keep for the regression test it deserves.

    python benchmarks/fuzz_readers.py                    # 100,000 inputs; writes BENCHMARKS.md
    python benchmarks/fuzz_readers.py --inputs 2000 --no-write
"""

from __future__ import annotations

import argparse
import collections
import itertools
import logging
import random
import resource
import statistics
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digest.evaluate import report  # noqa: E402
from digest.ingest import read_sources  # noqa: E402
from digest.ingest.fetch import FetchOptions  # noqa: E402
from tests.hostile_inputs import (  # noqa: E402
    Answer,
    Handler,
    Server,
    broken_rules,
    draw_answer,
    draw_file,
)

URL_SHARE = 0.05
URL_BATCH = 20
FETCH = FetchOptions(read_timeout=10, deadline=30, max_bytes=2_000_000)
READERS = {"txt": "text", "jsonl": "JSON lines", "html": "page", "xml": "feed", "url": "URL answer"}


class Tally:
    """What each reader made of its inputs."""

    def __init__(self, keep: Path):
        self.keep = keep
        self.inputs: collections.Counter[str] = collections.Counter()
        self.articles: collections.Counter[str] = collections.Counter()
        self.failures: collections.Counter[str] = collections.Counter()
        self.exceptions: collections.Counter[str] = collections.Counter()
        self.broken: collections.Counter[str] = collections.Counter()
        self.seconds: dict[str, list[float]] = collections.defaultdict(list)
        self.kinds: collections.Counter[str] = collections.Counter()

    def read(self, reader: str, sources: list, count: int, originals: list[bytes]) -> None:
        started = time.perf_counter()
        try:
            ingested = read_sources(sources, options=FETCH)
        except Exception as error:
            self.exceptions[reader] += count
            self.kinds[type(error).__name__] += 1
            self.save(reader, originals, traceback.format_exc())
            return
        finally:
            self.inputs[reader] += count
            self.seconds[reader].append((time.perf_counter() - started) / count)
        self.articles[reader] += len(ingested.articles)
        self.failures[reader] += len(ingested.failures)
        if broken := broken_rules(ingested):
            self.broken[reader] += 1
            self.save(reader, originals, "\n".join(broken))

    def save(self, reader: str, originals: list[bytes], why: str) -> None:
        number = sum(self.exceptions.values()) + sum(self.broken.values())
        self.keep.mkdir(parents=True, exist_ok=True)
        for index, data in enumerate(originals):
            (self.keep / f"{number:04d}-{reader}-{index}.bin").write_bytes(data)
        (self.keep / f"{number:04d}-{reader}.txt").write_text(why, encoding="utf-8")

    def rows(self) -> list[tuple]:
        rows = []
        for key, reader in READERS.items():
            seconds = self.seconds[key] or [0.0]
            rows.append(
                (
                    reader,
                    f"{self.inputs[key]:,}",
                    f"{self.articles[key]:,}",
                    f"{self.failures[key]:,}",
                    self.exceptions[key],
                    self.broken[key],
                    f"{statistics.median(seconds) * 1000:.1f}",
                    f"{max(seconds):.2f}",
                )
            )
        totals = [sum(c.values()) for c in (self.inputs, self.articles, self.failures)]
        rows.append(
            (
                "**all**",
                *(f"{total:,}" for total in totals),
                sum(self.exceptions.values()),
                sum(self.broken.values()),
                "",
                "",
            )
        )
        return rows


def run(count: int, seed: int, keep: Path) -> tuple[Tally, float]:
    rng = random.Random(seed)
    tally = Tally(keep)
    httpd = Server(("127.0.0.1", 0), Handler)
    httpd.answers = {}
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    numbers = itertools.count()
    pending: list[Answer] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as folder:
        for done in range(count):
            if rng.random() < URL_SHARE:
                pending.append(draw_answer(rng))
                if len(pending) == URL_BATCH:
                    fetch_batch(tally, httpd, base, numbers, pending)
                    pending = []
            else:
                suffix, data = draw_file(rng)
                path = Path(folder) / f"input.{suffix}"
                path.write_bytes(data)
                tally.read(suffix, [path], 1, [data])
            if done % 5000 == 4999:
                print(f"{done + 1:,} inputs, {time.monotonic() - started:.0f} s", flush=True)
        if pending:
            fetch_batch(tally, httpd, base, numbers, pending)
    httpd.shutdown()
    httpd.server_close()
    return tally, time.monotonic() - started


def fetch_batch(tally: Tally, httpd, base: str, numbers, answers: list[Answer]) -> None:
    urls = []
    for answer in answers:
        path = f"/{next(numbers)}"
        httpd.answers[path] = answer
        urls.append(base + path)
    tally.read("url", urls, len(urls), [a.body for a in answers])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--inputs", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20261202)
    parser.add_argument("--keep", type=Path, default=Path("fuzz-findings"))
    parser.add_argument("--benchmarks", type=Path, default=ROOT / "BENCHMARKS.md")
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    args = parser.parse_args()
    # Every report is also a log line; a hundred thousand of them would be the run's cost.
    logging.disable(logging.WARNING)
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    tally, seconds = run(args.inputs, args.seed, args.keep)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    table = report.table(
        [
            "reader",
            "inputs",
            "articles",
            "one-line errors",
            "exceptions",
            "rule breaks",
            "median ms",
            "slowest s",
        ],
        tally.rows(),
    )
    kinds = ", ".join(f"{k} × {n}" for k, n in tally.kinds.most_common()) or "none"
    body = (
        "## Fuzzing the readers (issue 23)\n\n"
        f"`python benchmarks/fuzz_readers.py --inputs {args.inputs} --seed {args.seed}` on "
        f"{report.machine()}: {sum(tally.inputs.values()):,} generated hostile inputs "
        "(tests/hostile_inputs.py: bad URLs, JSON and JSON-LD nested up to 100,000 deep, lone "
        "surrogates, noncharacters, terminal escapes, bidi overrides, fields over the body cap, "
        "13 encodings and mis-encodings; URL answers also compressed, nested, truncated, corrupt, "
        "a gzip bomb, mislabelled, 404 and 500), each read through `read_sources` on its own "
        f"(URL answers {URL_BATCH} at a time from a server on 127.0.0.1), in {seconds:.0f} s. "
        "An exception is one out of read_sources (target 0); a rule break is a report over "
        "more than one line or an unsafe character left where a reader would see it. Time per "
        "input: the median and the slowest.\n\n"
        f"{table}\n\n"
        f"Exceptions by type: {kinds}. Peak RSS {peak:.0f} MB "
        f"({baseline:.0f} MB after start-up).\n"
    )
    print(body)
    if not args.no_write:
        report.update_section(args.benchmarks, "fuzz-readers", body)


if __name__ == "__main__":
    main()
