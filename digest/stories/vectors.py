"""Sparse count matrices and unit-length rows, as clustering and summarising compare text.

Written out rather than taken from scikit-learn (CountVectorizer, normalize): importing
scikit-learn costs about 0.7 s, a seventh of a 1,000-article build, for some twenty lines. The
counts are scikit-learn's entry for entry and in its layout (columns in the features' sorted
order); unit rows agree with its normalize to within rounding (one part in 10^15), and the
stories made from them are the same (tests/test_speed_caches.py checks all three).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterable
from typing import TypeAlias

import numpy as np
from scipy import sparse

Matrix: TypeAlias = sparse.csr_matrix | np.ndarray


def counts(texts: Collection[str], features: Callable[[str], Iterable[str]]) -> sparse.csr_matrix:
    """Texts by features: how often each text has each feature, columns in sorted order."""
    vocabulary: dict[str, int] = {}
    columns: list[int] = []
    values: list[int] = []
    ends = [0]
    for text in texts:
        found = Counter(vocabulary.setdefault(f, len(vocabulary)) for f in features(text))
        columns.extend(found)
        values.extend(found.values())
        ends.append(len(columns))
    matrix = sparse.csr_matrix(
        (np.asarray(values, dtype=np.float64), np.asarray(columns, dtype=np.int64), ends),
        shape=(len(texts), len(vocabulary)),
    )
    matrix.sort_indices()
    place = np.empty(len(vocabulary), dtype=matrix.indices.dtype)
    for new, old in enumerate(index for _, index in sorted(vocabulary.items())):
        place[old] = new
    matrix.indices = place.take(matrix.indices)
    matrix.has_sorted_indices = False  # scikit-learn's layout: each row in first-seen order
    return matrix


def dense(matrix: Matrix) -> np.ndarray:
    return matrix if isinstance(matrix, np.ndarray) else matrix.toarray()


def unit_rows(matrix: Matrix) -> Matrix:
    """Each row divided by its length, in place; a row of zeros stays zeros. Dense or sparse,
    the same rows agree to within rounding."""
    if isinstance(matrix, np.ndarray):
        lengths = np.sqrt(np.einsum("ij,ij->i", matrix, matrix))
        lengths[lengths == 0.0] = 1.0
        matrix /= lengths[:, None]
        return matrix
    lengths = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    lengths[lengths == 0.0] = 1.0
    matrix.data /= np.repeat(lengths, np.diff(matrix.indptr))
    return matrix
