"""A story's headline against an editor's pick: which of a story's own titles heads it.

benchmarks/data/headlines/story-headlines.jsonl holds the twelve top stories of twelve labelled
days (benchmarks/data/topics/) that have two titled reports or more, 144 in all, as the build of
2026-12-07 grouped them (the article ids), and an editor's choice among their titles, made
without seeing the tool's: the one title to head the whole story (``best``) and every title that
would head it without misleading a reader (``acceptable``; see the README there). Each story is
headed by digest/stories/summarise.py's representative_title as now and as before 2026-12-07
(the title most like the story, its report not weighed), and scored: how often the headline is
the editor's pick, and how often it is acceptable.

    python benchmarks/story_headlines.py             # measure and write the BENCHMARKS.md section
    python benchmarks/story_headlines.py --no-write
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MONTH = ROOT.parent / "shared" / "data" / "news" / "ant-2018-03.jsonl"
PICKS = ROOT / "benchmarks" / "data" / "headlines" / "story-headlines.jsonl"
SECTION = "story-headlines"


def read_stories(picks: list[dict], folder: Path):
    """Each pick's story: its articles read as a build reads them, in the month file's order."""
    from digest.evaluate.stories import read_by_id
    from digest.news import Story

    read = read_by_id(MONTH, {i for pick in picks for i in pick["articles"]}, folder)
    return [Story(tuple(read[i] for i in pick["articles"])) for pick in picks], read


def before(story, pooled):
    """The headline rule before 2026-12-07: the title most like the story, questions last."""
    from digest.stories.references import is_question

    return max(
        (a for a in story.articles if a.title),
        key=lambda a: (
            a.source is not None,
            not is_question(a.title or ""),
            pooled.title_likeness[a.id],
            -pooled.order[a.id],
        ),
    )


def measure(picks: list[dict], folder: Path) -> str:
    from digest.evaluate import report
    from digest.stories import coverage
    from digest.stories.summarise import representative_title

    stories, read = read_stories(picks, folder)
    id_of = {a.id: key for key, a in read.items()}
    rules = {
        "before (title likeness)": before,
        "now (title times report likeness, teasers last)": representative_title,
    }
    counted = {name: [0, 0] for name in rules}
    missed = []
    for pick, story in zip(picks, stories, strict=True):
        pooled = coverage.pool(story)
        for name, rule in rules.items():
            chosen = id_of[rule(story, pooled).id]
            counted[name][0] += chosen == pick["best"]
            counted[name][1] += chosen in pick["acceptable"]
            if rule is representative_title and chosen not in pick["acceptable"]:
                missed.append(pick["story"])
    n = len(picks)
    rows = [
        (name, f"{best} ({best / n:.0%})", f"{ok} ({ok / n:.0%})")
        for name, (best, ok) in counted.items()
    ]
    return (
        report.table(("headline rule", "the editor's pick", "acceptable to the editor"), rows)
        + f"\n\n{n} stories. Headed by a title the editor would not use now: {', '.join(missed)}."
    )


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from digest.evaluate import report

    args = report.section_options(__doc__, ROOT / "BENCHMARKS.md").parse_args()

    began = time.perf_counter()
    picks = [json.loads(line) for line in PICKS.open(encoding="utf-8")]
    with tempfile.TemporaryDirectory(prefix="digest-headlines-") as temporary:
        table = measure(picks, Path(temporary))
    body = (
        "## Headlines of stories: an editor's pick among a story's titles\n\n"
        "The top twelve stories of twelve labelled days with two titled reports or more, each headed "
        "by one of its own titles; an editor chose, without seeing the tool's choice, the best "
        "title and every acceptable one (benchmarks/data/headlines/README.md).\n\n"
        f"{table}\n\n"
        f"`python benchmarks/story_headlines.py` ({time.perf_counter() - began:.0f} s for this run)."
    )
    report.publish(body, args, SECTION)


if __name__ == "__main__":
    main()
