"""Checks that catch fluent nonsense: an English line that reads well but is not the Arabic.

Neural MT fails quietly: it drops a figure, loops on a phrase, stops early, or says nothing.
Each check returns a short reason a reader can understand (shown beside the bullet), or None.
"""

from __future__ import annotations

import re

DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹٫٬", "01234567890123456789.,")
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
WORD = re.compile(r"\w+")
LENGTH_CHECKED_FROM = 20
SHORTEST_RATIO = 0.35
LONGEST_RATIO = 3.0


def numbers(text: str) -> list[str]:
    """Numbers in Western or Arabic-Indic digits, as Western digits without group separators.

    A comma between digits is read as a thousands separator (1,000 and ١٬٠٠٠ are both 1000); an
    Arabic decimal point ٫ becomes a dot, so ٢٫٥ and 2.5 compare equal.
    """
    found = []
    for match in NUMBER.finditer(text.translate(DIGITS)):
        value = match.group().replace(",", "")
        if "." in value:
            value = value.rstrip("0").rstrip(".")
        found.append(value.lstrip("0") or "0")
    return found


def dropped_number(source: str, output: str) -> str | None:
    present = set(numbers(output))
    for number in numbers(source):
        if number not in present:
            return f"dropped the number {number}"
    return None


def repeats(output: str) -> str | None:
    """A word said three times running, or a phrase of 2 to 8 words said twice running."""
    words = [w.lower() for w in WORD.findall(output)]
    for size in range(1, 9):
        times = 3 if size == 1 else 2
        for start in range(len(words) - size * times + 1):
            unit = words[start : start + size]
            if all(words[start + k * size : start + (k + 1) * size] == unit for k in range(times)):
                return "repeats itself"
    return None


def implausible_length(source: str, output: str) -> str | None:
    """English about as long as the Arabic, in characters; far shorter or longer means trouble."""
    if max(len(source), len(output)) < LENGTH_CHECKED_FROM:
        return None
    ratio = len(output) / max(len(source), 1)
    if ratio < SHORTEST_RATIO or ratio > LONGEST_RATIO:
        return (
            f"implausible length ({len(output)} characters of English for {len(source)} of Arabic)"
        )
    return None


def problem(source: str, output: str) -> str | None:
    """The first thing wrong with ``output`` as a translation of ``source``, or None."""
    if not output.strip():
        return "empty translation"
    return dropped_number(source, output) or repeats(output) or implausible_length(source, output)
