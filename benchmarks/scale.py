"""Scale outside translation: a day of a newsroom's feeds, built with --no-translate.

Synthetic articles are made from real Arabic text: the sentences of NTREX and EASC
(../shared/data). Each synthetic event is a random draw of sentences from the whole pool; each
event is told by one to four outlets, each outlet keeping most of the event's sentences in order
and adding one of its own, dated within a day of the event over a three-day spread. So the
batch has what a real day has: most stories told once, some by several outlets, and shared
sentences between unrelated stories.

Measured, each in a fresh process (so peak RSS is that run's alone, read from VmHWM):
- a whole `digest build --no-translate` of 1,000 and of 10,000 articles: ms per article (from
  reading the files to the site written), with the share of clustering (split into the
  vectors, the pairs at least the threshold alike, and the linkage) and of summarising, and the
  growth of the total between them against n log n;
- `digest inspect --json` and `digest build --no-translate` of the 10,000: peak RSS;
- one article of just under 10 MB (the input limit): time and peak RSS of its build.

Targets (issue 17): <= 5 ms per article at 1,000, <= 10 ms at 10,000, growth no faster than
n log n, the 10 MB article in <= 10 s and <= 500 MB, inspect and build of 10,000 under 1.5 GB.

    python benchmarks/scale.py              # measure and write the BENCHMARKS.md section
    python benchmarks/scale.py --smoke      # 200 and 400 articles and a 1 MB article, nothing written
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
SIZES = (1_000, 10_000)
BIG_BYTES = 9_900_000
SECTION = "scale"
TARGETS = {1_000: 5.0, 10_000: 10.0}
BIG_SECONDS, BIG_MB, MANY_MB = 10.0, 500.0, 1536.0
COPIES, SYNDICATED_SECONDS = 1_000, 5.0
OUTLETS = ("الجزيرة", "العربية", "سكاي نيوز عربية", "بي بي سي عربي", "الشرق الأوسط", "فرانس 24")
DAY = 738_000


def sentence_pool() -> list[str]:
    sys.path.insert(0, str(ROOT))
    from digest.evaluate.summaries import read_easc, read_ntrex

    pool = [line for d in read_ntrex(DATA / "ntrex") for line in d.body]
    pool += [s for a in read_easc(DATA / "easc") for s in a.sentences]
    return [" ".join(s.split()) for s in pool if len(s.split()) >= 5]


def write_corpus(folder: Path, count: int, seed: int = 17) -> None:
    """``count`` article files in ``folder``, as a day's feeds would give them."""
    import datetime as dt

    rng = random.Random(seed)
    pool = sentence_pool()
    folder.mkdir(parents=True, exist_ok=True)
    written = 0
    while written < count:
        event = rng.sample(pool, rng.randint(8, 16))
        day = dt.date.fromordinal(DAY + rng.randint(0, 2))
        for outlet in rng.sample(OUTLETS, min(rng.choice((1, 1, 1, 2, 2, 3, 4)), count - written)):
            kept = [s for s in event if rng.random() < 0.8] or event[:1]
            kept.insert(rng.randint(0, len(kept)), rng.choice(pool))
            date = day + dt.timedelta(days=rng.randint(0, 1))
            body = "\n\n".join(" ".join(kept[i : i + 3]) for i in range(0, len(kept), 3))
            text = f"---\ntitle: {kept[0][:120]}\nsource: {outlet}\ndate: {date}\n---\n{body}\n"
            (folder / f"{written:05d}.txt").write_text(text, encoding="utf-8")
            written += 1


def write_syndicated(folder: Path, copies: int, seed: int = 17) -> None:
    """One story syndicated ``copies`` times: the same six sentences in every copy and two of its
    own, each copy its own outlet and URL, as an agency's text reprinted across a desk's feeds."""
    rng = random.Random(seed)
    pool = sentence_pool()
    shared = rng.sample(pool, 6)
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(copies):
        body = [*shared[:3], rng.choice(pool), *shared[3:], rng.choice(pool)]
        text = (
            f"---\ntitle: {shared[0][:120]}\nsource: outlet {n}\n"
            f"url: https://outlet-{n}.example/news/{n}\ndate: 2025-08-16\n---\n"
            + "\n\n".join(" ".join(body[i : i + 4]) for i in range(0, len(body), 4))
            + "\n"
        )
        (folder / f"{n:05d}.txt").write_text(text, encoding="utf-8")


def write_big(path: Path, size: int, seed: int = 17) -> None:
    """One article of about ``size`` bytes: paragraphs of pool sentences, the way a page that
    swallowed a whole archive looks."""
    rng = random.Random(seed)
    pool = sentence_pool()
    parts = ["---\ntitle: مقال طويل جدا\nsource: الجزيرة\ndate: 2025-08-16\n---\n"]
    total = len(parts[0].encode())
    while True:
        paragraph = " ".join(rng.choice(pool) for _ in range(4)) + "\n\n"
        total += len(paragraph.encode())
        if total > size:
            break
        parts.append(paragraph)
    path.write_text("".join(parts), encoding="utf-8")


def peak_rss_mb() -> float:
    """This process's own peak RSS (VmHWM): getrusage would carry the parent's across exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def worker(kind: str, source: Path, out: Path) -> None:
    """One command as a user runs it, timed stage by stage; prints a JSON line. The clock
    starts before digest's modules are imported: a user's command pays for them too."""
    began = time.perf_counter()
    sys.path.insert(0, str(ROOT))
    from digest import pipeline
    from digest.cli import main
    from digest.stories import cluster, summarise

    spent = {"cluster": 0.0, "vectors": 0.0, "pairs": 0.0, "summarise": 0.0}

    running: set[str] = set()

    def timed(name, function):
        """``function`` with its time added to ``spent[name]``, once however the timed
        functions of one name call each other (headline_only summarises an untitled story)."""

        def wrapper(*args, **kwargs):
            if name in running:
                return function(*args, **kwargs)
            running.add(name)
            began = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                running.discard(name)
                spent[name] += time.perf_counter() - began

        return wrapper

    formed = {"articles": 0, "stories": 0}

    def counted(articles):
        stories = cluster.cluster(articles)
        formed.update(articles=len(articles), stories=len(stories))
        return stories

    pipeline.cluster = timed("cluster", counted)
    cluster.vectors = timed("vectors", cluster.vectors)
    cluster.linked = timed("pairs", cluster.linked)
    summarise.summarise_story = timed("summarise", summarise.summarise_story)
    summarise.headline_only = timed("summarise", summarise.headline_only)
    if kind == "build":
        argv = ["build", str(source), "--no-translate", "--out", str(out / "site")]
    else:
        argv = ["inspect", str(source), "--json"]
    sys.argv = ["digest", *argv]
    stdout = sys.stdout
    with open(os.devnull, "w") as sink:
        sys.stdout = sink
        try:
            main()
        except SystemExit as exit_:
            if exit_.code not in (0, None):
                raise
        finally:
            sys.stdout = stdout
    seconds = time.perf_counter() - began
    print(json.dumps({"seconds": seconds, "rss_mb": peak_rss_mb(), **spent, **formed}))


def run_worker(kind: str, source: Path, out: Path) -> dict:
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "DIGEST_STATE": str(out / "state.sqlite3"),
    }
    done = subprocess.run(
        [sys.executable, __file__, "--worker", kind, str(source), str(out)],
        capture_output=True,
        text=True,
        env=env,
        cwd=out,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{kind} {source} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def stages(result: dict, n: int) -> str:
    linkage = result["cluster"] - result["vectors"] - result["pairs"]
    return " + ".join(f"{t * 1000 / n:.2f}" for t in (result["vectors"], result["pairs"], linkage))


def special_rows(work: Path, copies: int) -> list[tuple[tuple[str, ...], bool]]:
    """A story syndicated ``copies`` times, then real days: the whole March data in one build and
    both SaudiNewsNet days in one build."""
    out = []
    write_syndicated(syndicated := work / "syndicated", copies)
    month = DATA / "news" / "ant-2018-03.jsonl"
    saudi = DATA / "news" / "saudinewsnet-2015-08-09-10.jsonl"
    for name, source, target in (
        (f"one story syndicated {copies:,} times", syndicated, (SYNDICATED_SECONDS, BIG_MB)),
        ("ANT March 2018, 5 outlets", month, (None, MANY_MB)),
        ("SaudiNewsNet 2015-08-09 and 10, 14 outlets", saudi, (None, MANY_MB)),
    ):
        (folder := work / f"out-{source.name}").mkdir()
        result = run_worker("build", source, folder)
        n = result["articles"]
        seconds, megabytes = target
        per = result["seconds"] * 1000 / n
        ok = (seconds is None or result["seconds"] <= seconds) and result["rss_mb"] <= megabytes
        ok &= seconds is not None or per <= TARGETS[10_000]
        wanted = (f"≤ {seconds:g} s" if seconds else f"≤ {TARGETS[10_000]:g} ms/article") + (
            f", ≤ {megabytes:,.0f} MB"
        )
        out.append(
            (
                (
                    f"build --no-translate, {name}: {n:,} articles, {result['stories']:,} stories",
                    f"{result['seconds']:.1f} s",
                    f"{per:.2f} ms/article",
                    f"{result['cluster'] * 1000 / n:.2f} ({stages(result, n)}) / "
                    f"{result['summarise'] * 1000 / n:.2f}",
                    f"{result['rss_mb']:.0f} MB",
                    wanted + ("" if ok else " (missed)"),
                ),
                ok,
            )
        )
    return out


def measure(work: Path, sizes: tuple[int, ...], big: int, copies: int) -> tuple[str, bool]:
    from digest.evaluate import report

    rows, met = [], True
    builds = {}
    for n in sizes:
        corpus = work / f"corpus-{n}"
        write_corpus(corpus, n)
        (out := work / f"out-build-{n}").mkdir()
        result = run_worker("build", corpus, out)
        builds[n] = result
        per = result["seconds"] * 1000 / n
        target = TARGETS.get(n)
        ok = target is None or per <= target
        met &= ok
        rows.append(
            (
                f"build --no-translate, {n:,} articles",
                f"{result['seconds']:.1f} s",
                f"{per:.2f} ms/article",
                f"{result['cluster'] * 1000 / n:.2f} ({stages(result, n)}) / "
                f"{result['summarise'] * 1000 / n:.2f}",
                f"{result['rss_mb']:.0f} MB",
                f"≤ {target:g} ms/article" + ("" if ok else " (missed)") if target else "",
            )
        )
    small, large = sizes[0], sizes[-1]
    growth = builds[large]["seconds"] / builds[small]["seconds"]
    nlogn = large * math.log(large) / (small * math.log(small))
    met &= growth <= nlogn
    rows.append(
        (
            f"growth {small:,} → {large:,}",
            f"× {growth:.1f}",
            "",
            "",
            "",
            f"≤ × {nlogn:.1f} (n log n)" + ("" if growth <= nlogn else " (missed)"),
        )
    )
    (out := work / f"out-inspect-{large}").mkdir()
    inspected = run_worker("inspect", work / f"corpus-{large}", out)
    for what, result in (("inspect --json", inspected), ("build --no-translate", builds[large])):
        ok = result["rss_mb"] <= MANY_MB
        met &= ok
        rows.append(
            (
                f"{what}, {large:,} articles: peak RSS",
                f"{result['seconds']:.1f} s",
                "",
                "",
                f"{result['rss_mb']:.0f} MB",
                f"≤ {MANY_MB:,.0f} MB" + ("" if ok else " (missed)"),
            )
        )
    (work / "big").mkdir()
    write_big(page := work / "big" / "big.txt", big)
    (out := work / "out-big").mkdir()
    result = run_worker("build", page, out)
    ok = result["seconds"] <= BIG_SECONDS and result["rss_mb"] <= BIG_MB
    met &= ok
    rows.append(
        (
            f"build --no-translate, one article of {page.stat().st_size / 1e6:.1f} MB",
            f"{result['seconds']:.1f} s",
            "",
            f"{result['cluster']:.2f} s / {result['summarise']:.2f} s",
            f"{result['rss_mb']:.0f} MB",
            f"≤ {BIG_SECONDS:g} s, ≤ {BIG_MB:g} MB" + ("" if ok else " (missed)"),
        )
    )
    for row, ok in special_rows(work, copies):
        rows.append(row)
        met &= ok
    header = (
        "run",
        "time",
        "per article",
        "cluster (vectors + pairs + linkage) / summarise (ms/article)",
        "peak RSS",
        "target",
    )
    return report.table(header, rows), met


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--benchmarks", type=Path, default=ROOT / "BENCHMARKS.md")
    parser.add_argument("--smoke", action="store_true", help="small sizes, nothing written")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, source, out = args.worker
        worker(kind, Path(source), Path(out))
        return
    sizes, big, copies = ((200, 400), 1_000_000, 200) if args.smoke else (SIZES, BIG_BYTES, COPIES)
    began, load_before = time.perf_counter(), os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="digest-scale-") as temporary:
        table, met = measure(Path(temporary), sizes, big, copies)
    elapsed, load_after = time.perf_counter() - began, os.getloadavg()[0]
    body = (
        "## Scale: building without translation (synthetic articles from NTREX and EASC)\n\n"
        f"{table}\n\n"
        f"Every target met: {'yes' if met else 'no'}. {report.machine()}, each run in a fresh process "
        "(its time runs from importing digest's modules to the site written; only the Python "
        "interpreter's own start, about 0.05 s, is outside it); load average "
        f"{load_before:.1f} before and {load_after:.1f} after (the machine is shared, and a "
        "load above the cores slows every run). "
        f"`python benchmarks/scale.py` ({elapsed / 60:.1f} minutes for this run)."
    )
    print(body)
    if not args.smoke:
        report.update_section(args.benchmarks, SECTION, body)
    if not met:
        raise SystemExit(1)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    from digest.evaluate import report

    main()
