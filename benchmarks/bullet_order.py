"""The order of a story's bullets, as two editors judged it blind.

benchmarks/data/bullet-order/judgements.jsonl holds the top twelve stories of sixteen labelled
days (benchmarks/data/topics/) whose bullets come from both days of their window, 122 in all, as
the build of 2026-12-07 grouped them (the article ids): each was shown to two editors with the
same bullets in two orders, A and B at random, newest day first (the order now) and the day
first reported first (the order before), each bullet dated, and each editor chose the order
that serves a daily reader better, or neither (see the README there). This script counts their
choices and writes the BENCHMARKS.md section.

    python benchmarks/bullet_order.py              # count and write the BENCHMARKS.md section
    python benchmarks/bullet_order.py --no-write
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
JUDGEMENTS = ROOT / "benchmarks" / "data" / "bullet-order" / "judgements.jsonl"
SECTION = "bullet-order"
NEWEST, DAY_FIRST, SAME = "newest day first", "day first", "neither"


def chosen(row: dict, choice: str) -> str:
    """The order an editor's letter stands for."""
    if choice == "same":
        return SAME
    other = DAY_FIRST if row["A"] == NEWEST else NEWEST
    return row["A"] if choice == "A" else other


def measure(rows: list[dict]) -> str:
    from digest.evaluate import report

    editors = len(rows[0]["choices"])
    picks = [[chosen(row, c) for c in row["choices"]] for row in rows]
    lines = []
    for n in range(editors):
        counted = Counter(p[n] for p in picks)
        lines.append((f"editor {n + 1}", counted[NEWEST], counted[DAY_FIRST], counted[SAME]))
    agreed = [p[0] for p in picks if len(set(p)) == 1]
    both = Counter(agreed)
    lines.append(("both, where they agree", both[NEWEST], both[DAY_FIRST], both[SAME]))
    table = report.table(("", NEWEST, "day first reported first", "neither"), lines)
    return f"{table}\n\n{len(rows)} stories; the editors agree on {len(agreed)}."


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from digest.evaluate import report

    args = report.section_options(__doc__, ROOT / "BENCHMARKS.md").parse_args()

    rows = [json.loads(line) for line in JUDGEMENTS.open(encoding="utf-8")]
    body = (
        "## Bullet order: newest day first, as two editors chose it blind\n\n"
        "A story's bullets can come from both days an issue reads; a daily reader met the day "
        "before's in yesterday's issue. The top twelve stories of sixteen labelled days whose "
        "bullets span both days, each in both orders, A and B at random "
        "(benchmarks/data/bullet-order/README.md); digest/stories/summarise.py's "
        "in_reading_order now puts the newest day first.\n\n"
        f"{measure(rows)}\n\n`python benchmarks/bullet_order.py`."
    )
    report.publish(body, args, SECTION)


if __name__ == "__main__":
    main()
