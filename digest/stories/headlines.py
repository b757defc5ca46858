"""The names a story is headlined by: what lets the reports of one long-running event meet when
each tells a different development of it.

An event that runs for days is told many ways (Afrin's fall: the looting, the displaced, a
volunteer killed, Damascus's and Cairo's condemnations); reports of different developments share
little beyond the event's name, so the comparison of whole texts (features.py) parts them. What
they do share is in their titles: «عفرين» heads nearly every one. A name is such a term: one
that heads most of the reports that mention it. A theme word or a generic one («انتخابات»,
«سوريا», «المدنيين», a club's name in the sports pages) is mentioned in many reports it does not
head, in the openings of reports about other things, so it tells no event apart.

headline_terms() gives each story the names that head at least HEADLINE_SHARE of its articles;
cluster.py lets two stories that share one merge at a lower similarity (cluster.NAMED_THRESHOLD).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from digest.news import Article
from digest.stories.features import LEAD, lines, words

HEADLINE_SHARE = 0.5
# A name heads at least half the reports whose title or opening mentions it.
MENTION_RATIO = 2.0


def names(articles: Sequence[Article]) -> tuple[list[frozenset[str]], frozenset[str]]:
    """Each article's title terms, and which terms of the batch are names: mentioned in the
    title or the first LEAD sentences of at most MENTION_RATIO times as many articles as they
    head."""
    titles = [frozenset(words(a.title or "")) for a in articles]
    heading = Counter(term for own in titles for term in own)
    mentioned = Counter(
        term
        for a in articles
        for term in {w for text, _ in lines(a)[: LEAD + 1] for w in words(text)}
    )
    named = frozenset(t for t, k in heading.items() if mentioned[t] <= MENTION_RATIO * k)
    return titles, named


def headline_terms(
    articles: Sequence[Article], groups: Sequence[Sequence[int]]
) -> list[frozenset[str]]:
    """For each group of articles, the names in at least HEADLINE_SHARE of its titles."""
    titles, named = names(articles)
    found = []
    for group in groups:
        counted = Counter(term for i in group for term in titles[i] & named)
        found.append(frozenset(t for t, k in counted.items() if k >= HEADLINE_SHARE * len(group)))
    return found


def sharing(terms: Sequence[frozenset[str]], rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Which of the (row, col) pairs of groups share a headline name."""
    return np.array(
        [bool(terms[i] & terms[j]) for i, j in zip(rows.tolist(), cols.tolist(), strict=True)],
        dtype=bool,
    )
