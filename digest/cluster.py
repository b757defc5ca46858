"""Grouping articles that tell the same story, so an event reported by several outlets becomes
one story citing all of them.

Articles are compared by TF-IDF over character 5-grams of their normalised content words:
outlets transliterate names differently (إيلمندورف / إلمندورف, أنكوريدج / أنكوريج), and
n-grams still match where whole words do not. Document frequencies come from the sentences of the
articles being built, so words every story uses weigh little. Stories are merged by average
linkage while the mean similarity between them stays above the threshold and their dates lie
within the window (an undated article fits any window).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Sequence

from digest.arabic import segment, terms
from digest.news import Article, Story

THRESHOLD = 0.27
MIN_SENTENCES = 1000
WINDOW = dt.timedelta(days=2)
GRAM = 5


def grams(text: str) -> list[str]:
    out = []
    for word in terms(text):
        padded = f" {word} "
        out += [padded[i : i + GRAM] for i in range(max(1, len(padded) - GRAM + 1))]
    return out


def lines(article: Article) -> list[str]:
    return ([article.title] if article.title else []) + [
        s.text for s in segment(article.paragraphs)
    ]


def vectors(articles: Sequence[Article]) -> list[dict[str, float]]:
    """Unit TF-IDF vectors; a sentence is the document unit for frequencies, so a batch of two
    articles still tells a rare name from a common word."""
    per_article = [[grams(line) for line in lines(a)] for a in articles]
    frequency = Counter(g for sentences in per_article for s in sentences for g in set(s))
    total = max(MIN_SENTENCES, sum(len(sentences) for sentences in per_article))
    out = []
    for sentences in per_article:
        counts = Counter(g for s in sentences for g in s)
        weights = {
            g: (1 + math.log(n)) * math.log((total + 1) / (frequency[g] + 1))
            for g, n in counts.items()
        }
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        out.append({g: w / norm for g, w in weights.items()})
    return out


def similarity(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(g, 0.0) for g, w in a.items())


def within_window(a: list[Article], b: list[Article]) -> bool:
    dates = [x.published for x in a + b if x.published]
    return not dates or max(dates) - min(dates) <= WINDOW


def cluster(articles: Sequence[Article]) -> list[Story]:
    """Stories in the order of their first article; articles inside a story in input order."""
    vecs = vectors(articles)
    pair = {
        (i, j): similarity(vecs[i], vecs[j])
        for i in range(len(articles))
        for j in range(i + 1, len(articles))
    }
    groups = [[i] for i in range(len(articles))]
    while True:
        best, merge = THRESHOLD, None
        for x in range(len(groups)):
            for y in range(x + 1, len(groups)):
                mean = sum(pair[min(i, j), max(i, j)] for i in groups[x] for j in groups[y]) / (
                    len(groups[x]) * len(groups[y])
                )
                members = [articles[i] for i in groups[x]], [articles[i] for i in groups[y]]
                if mean >= best and within_window(*members):
                    best, merge = mean, (x, y)
        if merge is None:
            break
        x, y = merge
        groups[x] = sorted(groups[x] + groups.pop(y))
    groups.sort(key=lambda g: g[0])
    return [Story(articles=tuple(articles[i] for i in g)) for g in groups]
