"""Leaving out old news: an issue dated today must not present a 2013 report as today's.

An article older than ``max_age`` days before the issue date is left out, and the build says how
many in one line, so nothing disappears silently. An article without a date is kept: nothing says
it is old, and ingestion already warns that its date is missing.

With ``max_age``, an issue of a past day (``--date 2018-03-28 --max-age 1`` over an archive such
as a month of JSON lines) is a window that ends on that day: what was published after it is left
out too, as the issue of 28 March could not have told the news of the 29th. Today's issue keeps a
report dated tomorrow: it is tomorrow already in a time zone ahead, and the report is news.
Without ``max_age`` nothing is left out: ``--date`` alone only names the issue.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from digest.news import Article

RUN_MAX_AGE = 3


def age(article: Article, day: dt.date) -> int | None:
    """Whole days from the article's publication to ``day``; None when it is undated."""
    return (day - article.published).days if article.published else None


def describe_age(article: Article, day: dt.date) -> str:
    days = age(article, day)
    if days is None:
        return "unknown (no publication date)"
    if days < 0:
        return f"dated {counted(-days, 'day')} after {day}"
    return counted(days, "day")


@dataclass(frozen=True)
class Freshness:
    """The articles an issue keeps and those it leaves out: too old, or published after the day."""

    kept: tuple[Article, ...]
    stale: tuple[Article, ...]
    max_age: int | None
    later: tuple[Article, ...] = ()
    day: dt.date | None = None

    def summary(self) -> str | None:
        parts = []
        if self.stale and self.max_age is not None:
            parts.append(
                f"{counted(len(self.stale), 'article')} older than {counted(self.max_age, 'day')}"
            )
        if self.later:
            parts.append(f"{counted(len(self.later), 'article')} published after {self.day}")
        return f"left out {' and '.join(parts)}" if parts else None

    @property
    def left_out(self) -> tuple[Article, ...]:
        return self.stale + self.later


def counted(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' if count != 1 else ''}"


def sort_out(
    found: Sequence[Article], day: dt.date, max_age: int | None, today: dt.date | None = None
) -> Freshness:
    """Split ``found`` by age on ``day``; ``max_age`` None keeps them all. With ``max_age``,
    when ``day`` is before ``today``, what was published after ``day`` is left out too."""
    past = max_age is not None and today is not None and day < today
    kept: list[Article] = []
    stale: list[Article] = []
    later: list[Article] = []
    for article in found:
        days = age(article, day)
        if days is not None and days < 0 and past:
            later.append(article)
        elif days is not None and max_age is not None and days > max_age:
            stale.append(article)
        else:
            kept.append(article)
    return Freshness(tuple(kept), tuple(stale), max_age, tuple(later), day)
