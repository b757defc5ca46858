"""The same article reached twice becomes one: by canonical URL, or by near-identical text.

A page saved to disk, the same page fetched by URL and a feed entry pointing at it are one
article; so is a wire story two sites carry with a different footer. Keeping both would give
one story two identical "outlets" and bullets that repeat each other.
"""

from __future__ import annotations

from dataclasses import replace

from digest.arabic import normalise
from digest.ingest.article import NO_DATE, article_id
from digest.news import Article

SHINGLE = 5
SAME_TEXT = 0.9


def shingles(article: Article) -> frozenset[tuple[str, ...]]:
    words = normalise(" ".join(article.paragraphs)).split()
    if len(words) < SHINGLE:
        return frozenset({tuple(words)})
    return frozenset(tuple(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1))


def near_identical(a: frozenset, b: frozenset) -> bool:
    """Jaccard similarity of word 5-grams; sets whose sizes alone rule it out are not compared."""
    small, large = sorted((len(a), len(b)))
    if small < SAME_TEXT * large:
        return False
    return len(a & b) >= SAME_TEXT * len(a | b)


def merge(kept: Article, other: Article) -> Article:
    """The first article read stays; what it lacks comes from the duplicate. A URL gained this
    way also gives it its URL-based id, the id the article has whenever it is reached by URL."""
    url = kept.url or other.url
    return replace(
        kept,
        id=kept.id if kept.url or not url else article_id(url, kept.paragraphs),
        title=kept.title or other.title,
        source=kept.source or other.source,
        url=url,
        published=kept.published or other.published,
        related=kept.related or other.related,
        warnings=(
            *(w for w in kept.warnings if not (other.published and w == NO_DATE)),
            f"also read from {other.origin}",
        ),
    )


def dedupe(articles: list[Article]) -> list[Article]:
    """Articles in first-seen order, each duplicate folded into the first copy."""
    kept: list[Article] = []
    prints: list[frozenset] = []
    by_url: dict[str, int] = {}
    for article in articles:
        key = article.url.split("://", 1)[-1] if article.url else None
        index = by_url.get(key) if key else None
        fingerprint = shingles(article)
        if index is None:
            index = next(
                (i for i, other in enumerate(prints) if near_identical(fingerprint, other)), None
            )
        if index is None:
            kept.append(article)
            prints.append(fingerprint)
            index = len(kept) - 1
        else:
            kept[index] = merge(kept[index], article)
        for url in (article.url, kept[index].url):
            if url:
                by_url.setdefault(url.split("://", 1)[-1], index)
    return kept
