"""Cutting an over-long Arabic sentence into clauses that a model translates well.

Models truncate input past their position limit and lose quality well before it, so a long
sentence is cut where Arabic prose itself pauses: first at semicolons (؛ ;), then at commas and
colons (، , :), then before a conjunction that opens a clause (ثم، لكن، بل، بينما…, a free-standing
و), then before a word carrying the و prefix, then at any space. The cut nearest the middle of the
highest level present is taken, and each side is cut again until every part fits. Parts put back
together give the sentence again: nothing is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable

CONJUNCTIONS = (
    "ثم",
    "لكن",
    "لكنّ",
    "ولكن",
    "لكنه",
    "لكنها",
    "بل",
    "بينما",
    "حيث",
    "إذ",
    "كما",
    "غير أن",
    "إلا أن",
    "و",
)
LEVELS = (
    re.compile(r"(?<=[؛;])\s*"),
    re.compile(r"(?<=[،,:])\s*"),
    re.compile(r"\s+(?=(?:" + "|".join(map(re.escape, CONJUNCTIONS)) + r")\s)"),
    re.compile(r"\s+(?=و\w)"),
    re.compile(r"\s+"),
)


def cut_points(text: str, level: re.Pattern[str]) -> list[tuple[int, int]]:
    """(end of the left part, start of the right part) for each inner boundary of this level."""
    spans = [(m.start(), m.end()) for m in level.finditer(text)]
    return [(start, end) for start, end in spans if text[:start].strip() and text[end:].strip()]


def split_clauses(text: str, fits: Callable[[str], bool]) -> list[str]:
    """``text`` as parts that each ``fits``, cut at the strongest clause boundaries available."""
    if fits(text):
        return [text]
    for level in LEVELS:
        points = cut_points(text, level)
        if points:
            middle = len(text) / 2
            start, end = min(points, key=lambda p: abs((p[0] + p[1]) / 2 - middle))
            break
    else:
        if len(text) < 2:
            return [text]
        start = end = len(text) // 2
    left, right = text[:start].rstrip(), text[end:].lstrip()
    return split_clauses(left, fits) + split_clauses(right, fits)
