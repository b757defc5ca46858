"""The same article reached twice becomes one: by canonical URL, or by near-identical text.

A page saved to disk, the same page fetched by URL and a feed entry pointing at it are one
article; so is a wire story two sites carry with a different footer. Keeping both would give
one story two identical "outlets" and bullets that repeat each other.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import replace

from digest.arabic import normalise
from digest.ingest.article import NO_DATE, NO_OUTLET, article_id
from digest.news import Article
from digest.stories.outlets import STATED

SHINGLE = 5
SAME_TEXT = 0.9
POSTINGS = 200
"""How many kept articles a shingle remembers. An agency's story reprinted by hundreds of
papers, each with lines of its own, keeps every copy (they are not near-identical), and each new
copy shares its opening shingles with all of them: without a bound every copy is compared with
every earlier one (3,000 copies: 4.5 million comparisons). So a shingle lists at most POSTINGS
articles and a copy is compared with at most the first POSTINGS that share one of its shingles; a
near-identical text is almost always among them, and one that is not stays an article of its own,
which clustering puts in the same story."""


def shingles(article: Article) -> frozenset[int]:
    """The article's word 5-grams, each as its hash: Python hashes a tuple of strings anew at
    every set operation, an int not at all, so comparing two articles is ten times cheaper (an
    agency's story reprinted a thousand times is half a million comparisons)."""
    words = normalise(" ".join(article.paragraphs)).split()
    if len(words) < SHINGLE:
        return frozenset({hash(tuple(words))})
    # Each slice starts one word later; zip stops at the shortest, with the last whole shingle.
    return frozenset(map(hash, zip(*(words[i:] for i in range(SHINGLE)), strict=False)))


def near_identical(a: frozenset[int], b: frozenset[int]) -> bool:
    """Jaccard similarity of word 5-grams; sets whose sizes alone rule it out are not compared."""
    small, large = sorted((len(a), len(b)))
    if small < SAME_TEXT * large:
        return False
    shared = len(a & b)
    return shared >= SAME_TEXT * (len(a) + len(b) - shared)


def prefix(fingerprint: frozenset[int]) -> list[int]:
    """The shingles two near-identical sets must share at least one of (prefix filtering): in
    one fixed order, a set's first ``n - ceil(SAME_TEXT * n) + 1``. So each article is compared
    only with the few earlier ones that share one, not with every earlier article."""
    ordered = sorted(fingerprint)
    return ordered[: len(ordered) - math.ceil(SAME_TEXT * len(ordered)) + 1]


def merge(first: Article, other: Article) -> Article:
    """One article from two copies: the fuller text (a page over a feed's summary), what either
    says of title, outlet, link and date, and the first copy's place in the input. A URL gives
    the merged article its URL-based id, the id it has whenever it is reached by URL."""
    base, extra = (other, first) if length(other) > length(first) else (first, other)
    url = base.url or extra.url
    published = base.published or extra.published
    named = next((a for a in (base, extra) if a.source_from in STATED), base)
    named = named if named.source else extra
    return replace(
        base,
        id=base.id if base.url or not url else article_id(url, base.paragraphs),
        origin=first.origin,
        title=base.title or extra.title,
        source=named.source,
        source_from=named.source_from,
        url=url,
        published=published,
        related=base.related or extra.related,
        warnings=(
            *(
                w
                for w in base.warnings
                if not (published and w == NO_DATE) and not (named.source and w == NO_OUTLET)
            ),
            f"also read from {other.origin}",
        ),
    )


def length(article: Article) -> int:
    return sum(len(p) for p in article.paragraphs)


def dedupe(articles: list[Article]) -> list[Article]:
    """Articles in first-seen order, each duplicate folded into the first copy."""
    kept: list[Article] = []
    prints: list[frozenset] = []
    sharing: defaultdict[int, list[int]] = defaultdict(list)
    by_url: dict[str, int] = {}
    for article in articles:
        key = article.url.split("://", 1)[-1] if article.url else None
        index = by_url.get(key) if key else None
        fingerprint = shingles(article)
        first = prefix(fingerprint)
        if index is None:
            candidates = sorted({i for shingle in first for i in sharing.get(shingle, ())})
            del candidates[POSTINGS:]
            index = next((i for i in candidates if near_identical(fingerprint, prints[i])), None)
        if index is None:
            kept.append(article)
            prints.append(fingerprint)
            index = len(kept) - 1
            for shingle in first:
                if len(sharing[shingle]) < POSTINGS:
                    sharing[shingle].append(index)
        else:
            kept[index] = merge(kept[index], article)
        for url in (article.url, kept[index].url):
            if url:
                by_url.setdefault(url.split("://", 1)[-1], index)
    return kept
