"""Leaving out old news: an issue dated today must not present a 2013 report as today's.

An article older than ``max_age`` days before the issue date is left out, and the build says how
many in one line, so nothing disappears silently. An article without a date is kept: nothing says
it is old, and ingestion already warns that its date is missing.
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
        return f"dated {-days} day{'s' if days != -1 else ''} after {day}"
    return f"{days} day{'s' if days != 1 else ''}"


@dataclass(frozen=True)
class Freshness:
    """The articles an issue keeps and those it leaves out as too old."""

    kept: tuple[Article, ...]
    stale: tuple[Article, ...]
    max_age: int | None

    def summary(self) -> str | None:
        if not self.stale:
            return None
        count = len(self.stale)
        days = f"{self.max_age} day{'s' if self.max_age != 1 else ''}"
        return f"left out {count} article{'s' if count != 1 else ''} older than {days}"


def sort_out(articles: Sequence[Article], day: dt.date, max_age: int | None) -> Freshness:
    """Split ``articles`` by age on ``day``; ``max_age`` None keeps them all."""
    if max_age is None:
        return Freshness(tuple(articles), (), None)
    kept: list[Article] = []
    stale: list[Article] = []
    for article in articles:
        days = age(article, day)
        (stale if days is not None and days > max_age else kept).append(article)
    return Freshness(tuple(kept), tuple(stale), max_age)
