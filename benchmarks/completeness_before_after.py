"""Orphan bullets, cut clauses and question bullets before and after a change to the summariser.

The measurement (digest/evaluate/completeness.py) looks only at the summaries, so this checkout's code can
measure an earlier checkout's summariser: each side runs in its own process with its own `digest`
package first on the path, this checkout's completeness.py (and references.py, where the earlier
checkout has none) loaded beside it. The earlier checkout must have the package layout of issue 24
(digest/stories/, digest/evaluate/): the measurement imports the summariser from there. Corpora: NTREX's 123 documents (Arabic side, no titles), the
real pages in ../shared/data/html, and the seeds, each grouped as `digest build` groups them.

    mkdir /tmp/before && git archive COMMIT | tar -x -C /tmp/before
    python benchmarks/completeness_before_after.py --before /tmp/before --label "COMMIT"
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"

MEASURE = """
import importlib.util, json, sys
from pathlib import Path
tree, mine, ntrex, sources = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4:]
sys.path.insert(0, tree)

def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module

if not (Path(tree) / "digest" / "stories" / "references.py").exists():
    load("digest.stories.references", mine / "stories" / "references.py")
completeness = load("measured_completeness", mine / "evaluate" / "completeness.py")
from digest.stories.cluster import cluster
from digest.ingest import read_sources
from digest.news import Article, Story
try:
    from digest.evaluate.summaries import read_ntrex
except ImportError:
    from digest.evaluate import read_ntrex
corpora = {
    "NTREX (Arabic side)": [
        Story(articles=(Article(id=d.id, origin=d.id, paragraphs=d.body),))
        for d in read_ntrex(ntrex)
    ]
}
for source in sources:
    corpora[source] = cluster(read_sources([source]).articles)
out = {}
for name, stories in corpora.items():
    m = completeness.measure(stories)
    out[name] = {
        **dict(zip(completeness.FIELDS, m.counts())),
        "clause_share": m.clause_share,
        "orphan_share": m.orphan_share,
    }
print(json.dumps(out))
"""


def measure(tree: Path, sources: list[str]) -> dict:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            MEASURE,
            str(tree),
            str(ROOT / "digest"),
            str(DATA / "ntrex"),
            *sources,
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(done.stdout)


def share(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}%"


def main() -> None:
    from digest.evaluate import report

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", type=Path, required=True, help="checkout of the earlier code")
    parser.add_argument("--label", default=None, help="what the earlier checkout is")
    parser.add_argument("--benchmarks", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args()
    sources = [str(DATA / "html"), "seeds"]
    before, after = measure(args.before.resolve(), sources), measure(ROOT, sources)
    names = {
        "NTREX (Arabic side)": "NTREX (Arabic side)",
        sources[0]: "real pages (3)",
        "seeds": "seeds",
    }
    rows = []
    for key, name in names.items():
        b, a = before[key], after[key]
        rows.append(
            (
                name,
                str(a["stories"]),
                f"{share(b['clause_share'])} → {share(a['clause_share'])} (of {a['cut']})",
                f"{b['orphans']}/{b['bullets']} ({b['orphan_share']:.1f}%) → "
                f"{a['orphans']}/{a['bullets']} ({a['orphan_share']:.1f}%)",
                f"{b['questions']} → {a['questions']}",
            )
        )
    label = args.label or args.before.name
    header = [
        "articles",
        "stories",
        "cut headlines keeping every clause",
        "orphan bullets",
        "question bullets",
    ]
    body = (
        f"## Completeness before and after (issue 12)\n\n"
        f"Before: {label}; after: this checkout. Same measurement as `digest eval completeness` "
        "(4 bullets per story). "
        f"`python benchmarks/completeness_before_after.py --before {args.before}`.\n\n"
        + report.table(header, rows)
    )
    report.update_section(args.benchmarks, "completeness-before-after", body)
    print(report.table(header, rows))


if __name__ == "__main__":
    main()
