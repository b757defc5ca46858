"""Bullets that repeat: what two editors marked, and whether word overlap could find it.

benchmarks/data/bullet-repeats/annotations.jsonl holds the bullets of the 276 stories of
benchmarks/data/bullet-outlets/ as the build of 2026-12-08 told them (each bullet as its report
and the sentence's place in it), and each editor's marks: which bullet repeats the headline or
another bullet (see the README there). This script counts the marks, asks how many of the marked
pairs today's build still shows together (a change that removes repeats lowers it; bullets the
build has since changed are not judged), and how well the overlap of content words, which is
what digest/stories/summarise.py's redundancy rule and novelty measure, separates the pairs both
editors marked from the pairs neither did.

    python benchmarks/bullet_repeats.py              # measure and write the BENCHMARKS.md section
    python benchmarks/bullet_repeats.py --no-write
"""

from __future__ import annotations

import itertools
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MONTH = ROOT.parent / "shared" / "data" / "news" / "ant-2018-03.jsonl"
ANNOTATIONS = ROOT / "benchmarks" / "data" / "bullet-repeats" / "annotations.jsonl"
SECTION = "bullet-repeats"
HEADLINE = "H"
THRESHOLDS = (0.3, 0.35, 0.4, 0.45)


def read(rows: list[dict], folder: Path):
    """Each row's story (its reports by corpus id) and the texts it was judged on: the
    headline, then the bullets in the order shown."""
    from digest.arabic import segment
    from digest.evaluate.stories import read_stories

    stories = read_stories(MONTH, [row["articles"] for row in rows], folder)
    texts = []
    for row, story in zip(rows, stories, strict=True):
        articles = {a.id: a for a in story.articles}
        head = articles[row["headline"]].title if row["headline"] else None
        texts.append([head, *(segment(articles[i].paragraphs)[p].text for i, p in row["bullets"])])
    return stories, texts


def marked(row: dict) -> list[list[tuple[int, int]]]:
    """Each editor's marks: (the bullet that repeats, what it repeats), 0 the headline and n
    the n-th bullet."""
    return [
        [(int(a), 0 if b == HEADLINE else int(b)) for a, b in editor] for editor in row["repeats"]
    ]


def measure(rows: list[dict], folder: Path) -> str:
    from digest.evaluate import report
    from digest.stories import coverage
    from digest.stories.summarise import summarise_story

    stories, texts = read(rows, folder)
    bullets = sum(len(t) - 1 for t in texts)
    per_editor = [Counter(), Counter()]
    both_pairs, still = [], 0
    overlap: list[tuple[int, float]] = []
    for row, story, told in zip(rows, stories, texts, strict=True):
        marks = marked(row)
        for n, pairs in enumerate(marks):
            per_editor[n]["pairs"] += len(pairs)
            per_editor[n]["headline"] += sum(b == 0 for _, b in pairs)
            per_editor[n]["bullets"] += len({a for a, _ in pairs})
        editors = [{frozenset(p) for p in pairs} for pairs in marks]
        both = editors[0] & editors[1]
        both_pairs.extend(both)
        shown = {s.text for s in summarise_story(story).bullets}
        still += sum(all(told[i] in shown for i in p if i) for p in both)
        for i, j in itertools.combinations(range(len(told)), 2):
            if told[i] is None:
                continue
            a, b = coverage.words(told[i]), coverage.words(told[j])
            votes = sum(frozenset((i, j)) in pairs for pairs in editors)
            overlap.append((votes, len(a & b) / max(1, min(len(a), len(b)))))
    lines = [
        (
            f"editor {n + 1}",
            str(c["pairs"]),
            str(c["headline"]),
            f"{c['bullets']} ({c['bullets'] / bullets:.0%})",
        )
        for n, c in enumerate(per_editor)
    ]
    counted = report.table(
        ("", "pairs marked", "of them repeating the headline", "bullets marked"), lines
    )
    rows_t = []
    for t in THRESHOLDS:
        chosen = [v for v, share in overlap if share >= t]
        rows_t.append(
            (f"≥ {t:g}", str(sum(v == 2 for v in chosen)), str(sum(v == 0 for v in chosen)))
        )
    separated = report.table(
        ("shared content words (of the shorter)", "pairs both editors marked", "pairs neither did"),
        rows_t,
    )
    return (
        f"{len(rows)} stories, {bullets} bullets.\n\n{counted}\n\n"
        f"Both editors marked {len(both_pairs)} pairs; today's build still shows {still} of them "
        f"together.\n\n{separated}"
    )


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from digest.evaluate import report

    args = report.section_options(__doc__, ROOT / "BENCHMARKS.md").parse_args()
    rows = [json.loads(line) for line in ANNOTATIONS.open(encoding="utf-8")]
    with tempfile.TemporaryDirectory(prefix="digest-bullet-repeats-") as folder:
        table = measure(rows, Path(folder))
    body = (
        "## Bullets that repeat, as two editors marked them\n\n"
        "The bullets of the top stories of two outlets or more of the labelled days "
        "(benchmarks/data/bullet-repeats/README.md); each editor marked every bullet that tells "
        "the reader again what the headline or another bullet told, in other words or from "
        "another outlet.\n\n"
        f"{table}\n\n`python benchmarks/bullet_repeats.py`."
    )
    report.publish(body, args, SECTION)


if __name__ == "__main__":
    main()
