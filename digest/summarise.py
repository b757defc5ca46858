"""Choosing the sentences that carry an article: a headline and up to k bullets.

Sentences are scored by how much of the article's vocabulary they share with the other
sentences (degree centrality over normalised terms) plus a prior for coming early, as news puts
the main facts first. Bullets are picked greedily by score, skipping any that repeat what was
already picked, and returned in document order.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from digest.arabic import segment, terms
from digest.news import Article, Sentence, Summary

DEFAULT_BULLETS = 4
MIN_WORDS = 5
MAX_WORDS = 60
HEADLINE_MAX_WORDS = 25
POSITION_WEIGHT = 0.4
REDUNDANCY = 0.5
NAME = "centrality+lead"


def cosine(a: Counter[str], b: Counter[str]) -> float:
    if not a or not b:
        return 0.0
    dot = sum(count * b[term] for term, count in a.items())
    return dot / (
        math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    )


def score(sentences: Sequence[Sentence]) -> list[float]:
    """Centrality plus lead prior, each scaled to [0, 1]."""
    vectors = [Counter(terms(s.text)) for s in sentences]
    centrality = [
        sum(cosine(v, w) for j, w in enumerate(vectors) if j != i) for i, v in enumerate(vectors)
    ]
    top = max(centrality, default=0.0) or 1.0
    n = len(sentences)
    return [
        (1 - POSITION_WEIGHT) * c / top + POSITION_WEIGHT * (1 - i / n)
        for i, c in enumerate(centrality)
    ]


def summarise(article: Article, bullets: int = DEFAULT_BULLETS) -> Summary:
    sentences = segment(article.paragraphs)
    if not sentences:
        return Summary(headline=article.title or "", headline_position=None, bullets=())
    scores = score(sentences)
    fits = [MIN_WORDS <= len(s.text.split()) <= MAX_WORDS for s in sentences]
    ranked = sorted(range(len(sentences)), key=lambda i: (not fits[i], -scores[i], i))

    if article.title:
        headline, headline_position = article.title, None
        chosen_vectors = [Counter(terms(article.title))]
    else:
        first = next(
            (i for i in ranked if len(sentences[i].text.split()) <= HEADLINE_MAX_WORDS), ranked[0]
        )
        headline, headline_position = sentences[first].text, first
        chosen_vectors = [Counter(terms(headline))]

    picked: list[int] = []
    for i in ranked:
        if len(picked) == bullets:
            break
        if i == headline_position:
            continue
        vector = Counter(terms(sentences[i].text))
        if any(cosine(vector, other) > REDUNDANCY for other in chosen_vectors):
            continue
        picked.append(i)
        chosen_vectors.append(vector)
    return Summary(
        headline=headline,
        headline_position=headline_position,
        bullets=tuple(sentences[i] for i in sorted(picked)),
    )
