"""Grouping articles that tell the same story, so an event reported by several outlets becomes
one story citing all of them.

Articles are compared by TF-IDF over character 5-grams of their normalised content words:
outlets transliterate names differently (إيلمندورف / إلمندورف, أنكوريدج / أنكوريج), and
n-grams still match where whole words do not. Document frequencies come from the sentences of the
articles being built, so words every story uses weigh little. Stories are merged by average
linkage while the mean similarity between them stays above the threshold and their dates lie
within the window (an undated article fits any window).

A monitoring desk builds thousands of articles at once, so the vectors are SciPy sparse
matrices (digest/stories/vectors.py) and no step holds a distance for every pair of articles. Two stories can merge only if
some pair of their articles is at least THRESHOLD alike (a mean never exceeds its largest term)
and within the window, so the linkage starts from those pairs and compares a story only with the
stories it is linked to by one. Up to EXACT_PAIRS articles every pair is computed; beyond that,
candidate pairs come from each article's CANDIDATE_GRAMS most telling n-grams (its rarest names
and words: what two reports of one event share), and each candidate's similarity is then
computed in full.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from scipy import sparse

from digest.arabic import segment, sentence_terms
from digest.news import Article, Story
from digest.stories.vectors import counts, unit_rows

THRESHOLD = 0.27
MIN_SENTENCES = 1000
WINDOW = dt.timedelta(days=2)
GRAM = 5
# A 10 MB page is an input to bound, not a story: its opening tells what it is about.
MAX_LINES = 200
EXACT_PAIRS = 20_000
CANDIDATE_GRAMS = 60
CANDIDATE_THRESHOLD = 0.1
CHUNK = 512
CANDIDATE_CHUNK = 20_000
UNDATED = -1
# An undated group's earliest day (and minus its latest): later than any date, without overflow.
NO_DATE = 2**40


def grams(text: str) -> list[str]:
    return [gram for word in sentence_terms(text) for gram in word_grams(word)]


@lru_cache(maxsize=1 << 16)
def word_grams(word: str) -> tuple[str, ...]:
    """A word's n-grams, padded with a space each side; a day's articles share most words."""
    padded = f" {word} "
    return tuple(padded[i : i + GRAM] for i in range(max(1, len(padded) - GRAM + 1)))


def lines(article: Article) -> list[str]:
    """The title and the first MAX_LINES sentences: what the article is about."""
    body = segment(article.paragraphs)[:MAX_LINES]
    return ([article.title] if article.title else []) + [s.text for s in body]


def vectors(articles: Sequence[Article]) -> sparse.csr_matrix:
    """Unit TF-IDF rows, one per article; a sentence is the document unit for frequencies, so a
    batch of two articles still tells a rare name from a common word."""
    per_article = [lines(a) for a in articles]
    owner = np.repeat(np.arange(len(articles)), [len(s) for s in per_article])
    sentences = [line for s in per_article for line in s]
    counts = sentence_counts(sentences)
    frequency = np.bincount(counts.indices, minlength=counts.shape[1])
    total = max(MIN_SENTENCES, len(sentences))
    to_article = sparse.csr_matrix(
        (np.ones(len(sentences)), (owner, np.arange(len(sentences)))),
        shape=(len(articles), len(sentences)),
    )
    tf = (to_article @ counts).tocsr()
    tf.data = 1 + np.log(tf.data)
    idf = np.log((total + 1) / (frequency + 1))
    return unit_rows((tf @ sparse.diags(idf)).tocsr())


def sentence_counts(sentences: Sequence[str]) -> sparse.csr_matrix:
    """Sentences by n-grams, columns in sorted order. Each distinct sentence is counted
    once (wire copies and outlets quoting one statement repeat sentences): a repeated one's row
    is the same row again, and the columns, sorted n-grams, do not depend on the rows."""
    distinct, again = np.unique(np.array(sentences, dtype=object), return_inverse=True)
    return counts(distinct, grams)[again]


def day_numbers(articles: Sequence[Article]) -> np.ndarray:
    return np.array([a.published.toordinal() if a.published else UNDATED for a in articles])


def in_window(days: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    a, b = days[rows], days[cols]
    return (a == UNDATED) | (b == UNDATED) | (np.abs(a - b) <= WINDOW.days)


def pairs(x: sparse.csr_matrix, days: np.ndarray, threshold: float) -> tuple[np.ndarray, ...]:
    """(i, j, similarity) with i < j, at least ``threshold`` and within the window, a chunk of
    rows at a time so memory stays bounded; each chunk is compared only with itself and the
    rows after it, the half of the products that the pairs i < j need."""
    found = []
    for start in range(0, x.shape[0], CHUNK):
        block = (x[start : start + CHUNK] @ x[start:].T).tocoo()
        rows, cols = block.row + start, block.col + start
        keep = (cols > rows) & (block.data >= threshold)
        rows, cols, values = rows[keep], cols[keep], block.data[keep]
        keep = in_window(days, rows, cols)
        found.append((rows[keep], cols[keep], values[keep]))
    return tuple(np.concatenate(part) for part in zip(*found, strict=True))


def strongest(x: sparse.csr_matrix, keep: int) -> sparse.csr_matrix:
    """Each row cut to its ``keep`` largest weights, unit length again."""
    out = x.copy()
    for i in range(out.shape[0]):
        row = out.data[out.indptr[i] : out.indptr[i + 1]]
        if len(row) > keep:
            row[row < np.partition(row, -keep)[-keep]] = 0.0
    out.eliminate_zeros()
    return unit_rows(out)


def linked(x: sparse.csr_matrix, days: np.ndarray) -> tuple[np.ndarray, ...]:
    """(i, j, similarity) for the pairs at least THRESHOLD alike and within the window."""
    if x.shape[0] <= EXACT_PAIRS:
        return pairs(x, days, THRESHOLD)
    rows, cols, _ = pairs(strongest(x, CANDIDATE_GRAMS), days, CANDIDATE_THRESHOLD)
    similar = np.empty(len(rows))
    for start in range(0, len(rows), CANDIDATE_CHUNK):
        part = slice(start, start + CANDIDATE_CHUNK)
        similar[part] = np.asarray(x[rows[part]].multiply(x[cols[part]]).sum(axis=1)).ravel()
    keep = similar >= THRESHOLD
    return rows[keep], cols[keep], similar[keep]


def average_linkage(x: sparse.csr_matrix, days: np.ndarray) -> list[list[int]]:
    """Groups (indices into ``x``) merged closest first while their mean similarity is at least
    THRESHOLD and their dates fit the window: SciPy's average linkage cut at 1 - THRESHOLD,
    with a pair of articles too far apart in time kept apart, without its n² distances.

    The rows are unit vectors, so the mean similarity of groups A and B over their |A||B|
    article pairs is (ΣA · ΣB) / (|A||B|), ΣX the sum of X's rows: a group is its sum, and a
    merge adds two sums. Two groups can only merge if some pair of their articles is at least
    THRESHOLD alike and within the window (a mean never exceeds its largest term), so a group
    is compared only with the groups it is linked to that way, and a merged group's links are
    its two parts' links. Candidate merges wait in a heap, closest first; one whose group has
    since merged is passed over when it comes up (a merged group's own are pushed anew). Two
    groups whose dates together span more than WINDOW stay apart for good: merging only ever
    widens a span.

    Distances are 1 - mean similarity, floored at 0 as SciPy's input was, so copies of one text
    tie. An exact tie goes to the pair of lower slots, a merged group taking the higher slot of
    its two parts, as in SciPy (fastcluster's convention). SciPy's nearest-neighbour chain meets
    tied pairs in the order its walk over all n² distances takes, so where a tie decides which
    of two groups an article joins (one text dated twice days apart, and an undated copy), the
    two can choose differently; each choice is average linkage.
    """
    n = x.shape[0]
    cut = 1.0 - THRESHOLD
    rows, cols, similar = linked(x, days)
    size = [1] * n
    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    version = [0] * n
    dated = days != UNDATED
    earliest = np.where(dated, days, NO_DATE).tolist()
    latest = np.where(dated, days, -NO_DATE).tolist()
    sums: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    links: dict[int, set[int]] = {i: set() for i in range(n)}
    for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
        links[i].add(j)
        links[j].add(i)
    queue = [
        (max(0.0, 1.0 - s), i, j, 0, 0)
        for i, j, s in zip(rows.tolist(), cols.tolist(), similar.tolist(), strict=True)
    ]
    heapq.heapify(queue)
    dense = np.zeros(x.shape[1])

    def total(slot: int) -> tuple[np.ndarray, np.ndarray]:
        if slot in sums:
            return sums[slot]
        return (
            x.indices[x.indptr[slot] : x.indptr[slot + 1]],
            x.data[x.indptr[slot] : x.indptr[slot + 1]],
        )

    while queue:
        distance, a, b, seen_a, seen_b = heapq.heappop(queue)
        if distance > cut:
            break
        if a not in members or b not in members or (seen_a, seen_b) != (version[a], version[b]):
            continue
        parts = [total(a), total(b)]
        for grams, weights in parts:
            dense[grams] += weights
        grams = np.union1d(parts[0][0], parts[1][0])
        sums[b] = (grams, dense[grams].copy())
        sums.pop(a, None)
        members[b] += members.pop(a)
        size[b] += size[a]
        version[b] += 1
        earliest[b] = min(earliest[a], earliest[b])
        latest[b] = max(latest[a], latest[b])
        near = (links.pop(a) | links[b]) - {a, b}
        links[b] = set()
        for k in near:
            links[k].discard(a)
            if max(latest[b], latest[k]) - min(earliest[b], earliest[k]) > WINDOW.days:
                links[k].discard(b)
                continue
            links[b].add(k)
            links[k].add(b)
            grams_k, weights_k = total(k)
            mean = float(weights_k @ dense[grams_k]) / (size[b] * size[k])
            if 1.0 - mean <= cut:
                low, high = min(b, k), max(b, k)
                entry = (max(0.0, 1.0 - mean), low, high, version[low], version[high])
                heapq.heappush(queue, entry)
        dense[grams] = 0.0
    return list(members.values())


def cluster(articles: Sequence[Article]) -> list[Story]:
    """Stories in the order of their first article; articles inside a story in input order."""
    if not articles:
        return []
    groups = sorted(sorted(g) for g in average_linkage(vectors(articles), day_numbers(articles)))
    return [Story(articles=tuple(articles[i] for i in g)) for g in groups]
