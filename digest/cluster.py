"""Grouping articles that tell the same story, so an event reported by several outlets becomes
one story citing all of them.

Articles are compared by TF-IDF over character 5-grams of their normalised content words:
outlets transliterate names differently (إيلمندورف / إلمندورف, أنكوريدج / أنكوريج), and
n-grams still match where whole words do not. Document frequencies come from the sentences of the
articles being built, so words every story uses weigh little. Stories are merged by average
linkage while the mean similarity between them stays above the threshold and their dates lie
within the window (an undated article fits any window).

A monitoring desk builds thousands of articles at once, so the vectors are scikit-learn sparse
matrices and the linkage runs only inside groups that could merge at all. Two stories can merge
only if some pair of their articles is at least THRESHOLD alike (a mean never exceeds its largest
term) and within the window, so the connected components of that pair graph are independent and
average linkage inside each gives what it gives over the whole batch. Up to EXACT_PAIRS articles
every pair is computed; beyond that, candidate pairs come from each article's CANDIDATE_GRAMS
most telling n-grams (its rarest names and words: what two reports of one event share), and each
candidate's similarity is then computed in full.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
from scipy import sparse
from scipy.cluster import hierarchy
from scipy.sparse.csgraph import connected_components
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.preprocessing import normalize

from digest.arabic import segment, terms
from digest.news import Article, Story

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
# The distance of two articles too far apart in time: larger than any mean of real distances
# (at most 1) could ever be brought down to, whatever the sizes of the groups.
FORBIDDEN = 1e12


def grams(text: str) -> list[str]:
    out = []
    for word in terms(text):
        padded = f" {word} "
        out += [padded[i : i + GRAM] for i in range(max(1, len(padded) - GRAM + 1))]
    return out


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
    counts = CountVectorizer(analyzer=grams, dtype=np.float64).fit_transform(sentences)
    frequency = np.bincount(counts.indices, minlength=counts.shape[1])
    total = max(MIN_SENTENCES, len(sentences))
    to_article = sparse.csr_matrix(
        (np.ones(len(sentences)), (owner, np.arange(len(sentences)))),
        shape=(len(articles), len(sentences)),
    )
    tf = (to_article @ counts).tocsr()
    tf.data = 1 + np.log(tf.data)
    idf = np.log((total + 1) / (frequency + 1))
    return normalize(tf @ sparse.diags(idf), copy=False).tocsr()


def day_numbers(articles: Sequence[Article]) -> np.ndarray:
    return np.array([a.published.toordinal() if a.published else UNDATED for a in articles])


def in_window(days: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    a, b = days[rows], days[cols]
    return (a == UNDATED) | (b == UNDATED) | (np.abs(a - b) <= WINDOW.days)


def pairs(x: sparse.csr_matrix, days: np.ndarray, threshold: float) -> tuple[np.ndarray, ...]:
    """(i, j, similarity) with i < j, at least ``threshold`` and within the window, a chunk of
    rows at a time so memory stays bounded."""
    found = []
    transposed = x.T.tocsc()
    for start in range(0, x.shape[0], CHUNK):
        block = (x[start : start + CHUNK] @ transposed).tocoo()
        rows = block.row + start
        keep = (block.col > rows) & (block.data >= threshold)
        rows, cols, values = rows[keep], block.col[keep], block.data[keep]
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
    return normalize(out, copy=False)


def linked(x: sparse.csr_matrix, days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pairs at least THRESHOLD alike and within the window."""
    if x.shape[0] <= EXACT_PAIRS:
        rows, cols, _ = pairs(x, days, THRESHOLD)
        return rows, cols
    rows, cols, _ = pairs(strongest(x, CANDIDATE_GRAMS), days, CANDIDATE_THRESHOLD)
    keep = np.zeros(len(rows), dtype=bool)
    for start in range(0, len(rows), CANDIDATE_CHUNK):
        part = slice(start, start + CANDIDATE_CHUNK)
        similar = np.asarray(x[rows[part]].multiply(x[cols[part]]).sum(axis=1)).ravel()
        keep[part] = similar >= THRESHOLD
    return rows[keep], cols[keep]


def average_linkage(x: sparse.csr_matrix, days: np.ndarray) -> list[list[int]]:
    """Groups (indices into ``x``) merged closest first while their mean similarity is at least
    THRESHOLD and their dates fit the window.

    SciPy's average linkage does the merging; a pair of articles too far apart in time gets a
    distance no mean can bring under the cut, so two groups holding such a pair never merge,
    which is the window's rule (a group's dates span at most WINDOW when every pair's do).
    Average linkage never merges at a smaller distance after a larger one, so cutting the tree
    at 1 - THRESHOLD stops where merging while the mean stays above the threshold stops.
    """
    n = x.shape[0]
    distances = np.empty(n * (n - 1) // 2)
    offset = 0
    for start in range(0, n - 1, CHUNK):
        block = (x[start : start + CHUNK] @ x.T).toarray()
        for row in range(block.shape[0]):
            i = start + row
            if i >= n - 1:
                break
            cols = np.arange(i + 1, n)
            similar = block[row, i + 1 :]
            apart = ~in_window(days, np.full(len(cols), i), cols)
            distances[offset : offset + len(cols)] = np.where(apart, FORBIDDEN, 1.0 - similar)
            offset += len(cols)
    tree = hierarchy.linkage(np.maximum(distances, 0.0), method="average")
    labels = hierarchy.fcluster(tree, t=1.0 - THRESHOLD, criterion="distance")
    groups: dict[int, list[int]] = {}
    for i, label in enumerate(labels):
        groups.setdefault(int(label), []).append(i)
    return list(groups.values())


def cluster(articles: Sequence[Article]) -> list[Story]:
    """Stories in the order of their first article; articles inside a story in input order."""
    if not articles:
        return []
    x = vectors(articles)
    days = day_numbers(articles)
    rows, cols = linked(x, days)
    graph = sparse.coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(articles),) * 2)
    _, component = connected_components(graph, directed=False)
    groups: list[list[int]] = []
    order = np.argsort(component, kind="stable")
    bounds = np.flatnonzero(np.diff(component[order])) + 1
    for members in np.split(order, bounds):
        if len(members) == 1:
            groups.append([int(members[0])])
            continue
        for group in average_linkage(x[members], days[members]):
            groups.append([int(members[i]) for i in group])
    groups.sort(key=lambda g: g[0])
    return [Story(articles=tuple(articles[i] for i in g)) for g in groups]
