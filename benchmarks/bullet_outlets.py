"""Bullets across outlets: whether a story told by several outlets is told in their voices, or
in the voice of the one that filed most of its reports.

benchmarks/data/bullet-outlets/stories.jsonl holds the top twelve stories told by two outlets or
more of each of the twenty-three labelled days (benchmarks/data/topics/), 276 in all, as the
build of 2026-12-08 grouped them (the ids of the reports its bullets come from). Each is
summarised as now (digest/stories/summarise.py's developments: a statement whose outlets the
bullets on show all name already counts OUTLET_SPREAD^n) and as before (OUTLET_SPREAD 1: novelty
and weight alone), and counted: the outlets a story's bullets name, the outlets with a bullet of
their own, the stories whose bullets but one all come from one outlet, and the bullets whose
report is of another topic than most of the story's (by the labels). For the stories whose
bullets differ, two editors chose blind between the two sets (see the README there). They chose
the same way between the bullets with and without the headline's fact told first
(summarise.headline_fact), headline-fact.jsonl there, and then with the headline report's
opening sentence among its candidates, headline-opening.jsonl; those choices are counted too.

    python benchmarks/bullet_outlets.py              # measure and write the BENCHMARKS.md section
    python benchmarks/bullet_outlets.py --no-write
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MONTH = ROOT.parent / "shared" / "data" / "news" / "ant-2018-03.jsonl"
STORIES = ROOT / "benchmarks" / "data" / "bullet-outlets" / "stories.jsonl"
HEADLINE_FACT = ROOT / "benchmarks" / "data" / "bullet-outlets" / "headline-fact.jsonl"
HEADLINE_OPENING = ROOT / "benchmarks" / "data" / "bullet-outlets" / "headline-opening.jsonl"
LABELS = ROOT / "benchmarks" / "data" / "topics"
SECTION = "bullet-outlets"
NOW, BEFORE, SAME = "outlets spread", "before", "neither"
FACT_FIRST = "headline fact first"
OPENING = "headline report's opening"


def read_stories(rows: list[dict], folder: Path):
    """Each row's story, its reports read as a build reads them and known by their corpus ids
    (as `digest eval stories` knows them), in the row's order."""
    from digest.evaluate.stories import read_stories as stories_of

    return stories_of(MONTH, [row["articles"] for row in rows], folder)


def topics() -> dict[str, str]:
    from digest.evaluate.stories import read_labels

    found: dict[str, str] = {}
    for path in sorted(LABELS.glob("????-??-??.jsonl")):
        found.update(read_labels(path).topic)
    return found


def count(stories, topic: dict[str, str], spread: float) -> dict[str, float]:
    from digest.stories import summarise

    kept, summarise.OUTLET_SPREAD = summarise.OUTLET_SPREAD, spread
    try:
        summaries = [summarise.summarise_story(story) for story in stories]
    finally:
        summarise.OUTLET_SPREAD = kept
    totals: Counter[str] = Counter()
    for story, summary in zip(stories, summaries, strict=True):
        outlet = {a.id: a.source for a in story.articles}
        main = Counter(topic[a.id] for a in story.articles).most_common(1)[0][0]
        own = Counter(outlet[b.article] for b in summary.bullets)
        named = {outlet[i] for b in summary.bullets for i in (b.article, *b.echoes)}
        totals["outlets"] += len(set(outlet.values()))
        totals["named"] += len(named)
        totals["own"] += len(own)
        totals["one voice"] += (
            len(summary.bullets) >= 4 and max(own.values()) >= len(summary.bullets) - 1
        )
        totals["bullets"] += len(summary.bullets)
        totals["off topic"] += sum(topic[b.article] != main for b in summary.bullets)
    return totals


def choices(rows: list[dict], rule: str) -> str:
    """The editors' choices between ``rule`` (now) and the bullets before it."""
    from digest.evaluate import report

    judged = [row for row in rows if row.get("choices")]
    picks = [
        [
            SAME if c == "same" else row["A"] if c == "A" else ({rule, BEFORE} - {row["A"]}).pop()
            for c in row["choices"]
        ]
        for row in judged
    ]
    lines = []
    for n in range(len(picks[0])):
        counted = Counter(p[n] for p in picks)
        lines.append((f"editor {n + 1}", counted[rule], counted[BEFORE], counted[SAME]))
    agreed = Counter(p[0] for p in picks if len(set(p)) == 1)
    lines.append(("both, where they agree", agreed[rule], agreed[BEFORE], agreed[SAME]))
    return (
        report.table(("", f"{rule} (now)", "before", "neither"), lines)
        + f"\n\n{len(judged)} stories whose bullets differ; the editors agree on "
        f"{sum(agreed.values())}."
    )


def measure(rows: list[dict], folder: Path) -> str:
    from digest.evaluate import report
    from digest.stories import summarise

    stories = read_stories(rows, folder)
    topic = topics()
    lines = []
    for name, spread in ((NOW, summarise.OUTLET_SPREAD), (BEFORE, 1.0)):
        t = count(stories, topic, spread)
        n = len(stories)
        lines.append(
            (
                f"{name} ({spread:g})",
                f"{t['named'] / n:.2f} of {t['outlets'] / n:.2f}",
                f"{t['own'] / n:.2f}",
                str(t["one voice"]),
                f"{t['off topic'] / t['bullets']:.1%}",
            )
        )
    table = report.table(
        (
            "OUTLET_SPREAD",
            "outlets named per story",
            "outlets with a bullet of their own",
            "stories in one outlet's voice",
            "bullets off the story's topic",
        ),
        lines,
    )
    return f"{table}\n\n{choices(rows, NOW)}"


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from digest.evaluate import report

    args = report.section_options(__doc__, ROOT / "BENCHMARKS.md").parse_args()
    rows = [json.loads(line) for line in STORIES.open(encoding="utf-8")]
    fact = [json.loads(line) for line in HEADLINE_FACT.open(encoding="utf-8")]
    opening = [json.loads(line) for line in HEADLINE_OPENING.open(encoding="utf-8")]
    with tempfile.TemporaryDirectory(prefix="digest-bullet-outlets-") as folder:
        table = measure(rows, Path(folder))
    body = (
        "## Bullets across outlets: a story told in its outlets' voices\n\n"
        f"The top twelve stories of two outlets or more of the labelled days, {len(rows)} in "
        "all (benchmarks/data/bullet-outlets/README.md), summarised as now and with "
        "OUTLET_SPREAD 1 (before). A story is in one outlet's voice when all its bullets but one "
        "are that outlet's own (stories of four bullets or more); a bullet is off the story's "
        "topic when its report's label is not the story's most common one.\n\n"
        f"{table}\n\nThe headline's fact told first (a title is the event without its who, "
        "where and how many; the sentence that tells it in full was barred as a repeat of the "
        "title), judged the same way on the stories whose bullets it changes:\n\n"
        f"{choices(fact, FACT_FIRST)}\n\nThen with the opening sentence of the report the "
        "headline is the title of among the candidates (a little less alike the title, it was "
        "picked late or not at all for the little it adds to the title's words), against the "
        "rule above:\n\n"
        f"{choices(opening, OPENING)}\n\n`python benchmarks/bullet_outlets.py`."
    )
    report.publish(body, args, SECTION)


if __name__ == "__main__":
    main()
