"""Stories against people's topics, on every labelled day: the clustering before issue 22 (commit
fc7ed4d) beside today's, both ranked by the build's own ranking.

For each day D with labels in benchmarks/data/topics/ (D.jsonl, D.leads: see the README there),
the articles of the March 2018 data published on D or the day before are built into stories as
`digest eval stories` does (digest/evaluate/stories.py), and scored: B-cubed precision, recall
and F1 over every article, the topics of five or more articles that keep under 60% in their
main story, lead recall (of the ten lead topics, how many have their main story among the issue's
first 12), and for the five largest topics across outlets: over how many stories each is split,
its share in its main story and that story's rank.

Targets (issue 22): B-cubed F1 >= 0.88, no topic of 5+ articles under 60%, lead recall >= 7/10.

    python benchmarks/stories.py                       # measure and write the BENCHMARKS.md section
    python benchmarks/stories.py --labels DIR --no-write   # labels from elsewhere, nothing written
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
MONTH = DATA / "news" / "ant-2018-03.jsonl"
LABELS = ROOT / "benchmarks" / "data" / "topics"
OLD = "fc7ed4d"
SECTION = "stories"
F1_TARGET, KEPT_TARGET, LEADS_TARGET = 0.88, 0, 7
SHOWN_TOPICS = 5


def old_clustering(folder: Path):
    """digest/stories/cluster.py as it was at OLD, imported as a module of its own."""
    source = subprocess.run(
        ["git", "show", f"{OLD}:digest/stories/cluster.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    path = folder / "cluster_before.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("cluster_before", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.cluster


def write_window(day: dt.date, folder: Path) -> Path:
    """The articles a build of the issue of ``day`` sees: published that day or the day before."""
    wanted = {day.isoformat(), (day - dt.timedelta(days=1)).isoformat()}
    path = folder / f"{day}.jsonl"
    with MONTH.open(encoding="utf-8") as month:
        path.write_text(
            "".join(line for line in month if json.loads(line)["published"] in wanted),
            encoding="utf-8",
        )
    return path


def topic_cell(topic) -> str:
    return (
        f"{topic.topic} ({topic.size}, {topic.outlets} outlets): {topic.stories} stories, "
        f"{topic.main_share:.0%} in #{topic.main_rank}"
    )


def measure(label_folders: list[Path], work: Path) -> tuple[str, bool]:
    from digest.evaluate import report
    from digest.evaluate.stories import evaluate_sources
    from digest.stories.cluster import cluster

    before = old_clustering(work)
    days = sorted({p for folder in label_folders for p in folder.glob("????-??-??.jsonl")})
    if not days:
        raise SystemExit(f"no labels (YYYY-MM-DD.jsonl) in {', '.join(map(str, label_folders))}")
    scores, topics, met = [], [], True
    for labels in days:
        day = dt.date.fromisoformat(labels.stem)
        window = write_window(day, work)
        results = {
            name: evaluate_sources(labels, [str(window)], cluster=how)
            for name, how in (("before", before), ("now", cluster))
        }
        for name, result in results.items():
            s = result.scores
            kept = len(result.scattered)
            ok = s.f1 >= F1_TARGET and kept <= KEPT_TARGET and result.lead_recall >= LEADS_TARGET
            if name == "now":
                met &= ok
            scores.append(
                (
                    str(day),
                    name,
                    f"{result.articles} / {result.stories}",
                    f"{s.precision:.3f}",
                    f"{s.recall:.3f}",
                    f"**{s.f1:.3f}**" if name == "now" else f"{s.f1:.3f}",
                    str(kept)
                    + (f" ({', '.join(t.topic for t in result.scattered)})" if kept else ""),
                    f"{result.lead_recall}/{len(result.leads)}",
                )
            )
        largest = {name: r.largest[:SHOWN_TOPICS] for name, r in results.items()}
        for old, new in zip(largest["before"], largest["now"], strict=True):
            topics.append((str(day), topic_cell(old), topic_cell(new)))
        print(f"{day}: done", file=sys.stderr)
    text = (
        report.table(
            (
                "day",
                "clustering",
                "articles / stories",
                "B-cubed P",
                "B-cubed R",
                "B-cubed F1",
                "topics of 5+ under 60% in their main story",
                "lead recall (top 12)",
            ),
            scores,
        )
        + "\n\nThe largest topics across outlets (articles, outlets): over how many stories each "
        "is split, and the share of it in its main story at that story's rank in the issue.\n\n"
        + report.table(("day", f"before ({OLD})", "now"), topics)
    )
    return text, met


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from digest.evaluate import report

    parser = report.section_options(__doc__, ROOT / "BENCHMARKS.md")
    parser.add_argument(
        "--labels",
        type=Path,
        action="append",
        help=f"a folder of labels (default {LABELS.relative_to(ROOT)}); repeatable",
    )
    args = parser.parse_args()

    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="digest-stories-") as temporary:
        table, met = measure(args.labels or [LABELS], Path(temporary))
    body = (
        "## Stories: the build's stories against people's topics (ANT March 2018)\n\n"
        "Each labelled day's window (the day and the one before, as a build sees it), clustered "
        f"as before issue 22 (commit {OLD}: character 5-grams, average linkage at 0.27) and now, "
        "each ranked by the build's ranking (digest/pipeline.py). B-cubed over every article, "
        "singletons included. Targets: F1 ≥ 0.88, no topic of 5+ articles under 60% in its "
        "main story, lead recall ≥ 7/10. The labels and their guideline are in "
        "benchmarks/data/topics/ (README.md, GUIDELINE.md).\n\n"
        f"{table}\n\n"
        f"Every target met now: {'yes' if met else 'no'}. "
        f"`python benchmarks/stories.py` ({time.perf_counter() - began:.0f} s for this run)."
    )
    report.publish(body, args, SECTION)


if __name__ == "__main__":
    main()
