"""What two reports of one event share, as vectors: the words and the character n-grams of
what carries the event, with each outlet's own phrasing discounted.

An event is carried by the title and the opening sentences (the names of people, places and
organisations, numbers, the event's words); the rest of a body repeats, quotes and gives
background, which one outlet's report of the event shares with its reports of other events
and not with another outlet's report of it. So an article is compared on its title and first
OPENING sentences, the title weighing TITLE_WEIGHT times a body sentence and the first LEAD
sentences LEAD_WEIGHT times. Two blocks of features are compared:

- words, lightly stemmed (stem(): the prefixes digest.arabic strips, then Light10's suffixes),
  so «المسلحين» and «مسلحون», «الشرقية» and «الشرقي» meet;
- character 5-grams of those words unstemmed, for the names outlets transliterate differently
  (إيلمندورف / إلمندورف, أنكوريدج / أنكوريج), where whole words do not match.

Each block is TF-IDF with the sentence as the unit of document frequency (a batch of two
articles still tells a rare name from a common word) and each distinct sentence counted once,
made unit length, and the similarity of two articles is the mean of the two blocks' cosines.

An outlet writes its own boilerplate and phrasing into every article (datelines such as
«(CNN)», agency tags, «اقرأ أيضا», photo credits, a house style): a feature frequent in one
outlet's articles and rare in the other outlets' would pull that outlet's reports of different
events together more strongly than one event pulls the outlets together, so outlet_discount()
weighs it down in that outlet's articles.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from scipy import sparse

from digest.arabic import segment, sentence_terms
from digest.news import Article
from digest.stories.vectors import counts, unit_rows

GRAM = 5
OPENING = 8
LEAD = 3
TITLE_WEIGHT = 3.0
LEAD_WEIGHT = 2.0
MIN_SENTENCES = 1000
# Light10's suffixes (Larkey, Ballesteros and Connell 2002), longest first; one is removed when
# at least MIN_STEM letters remain.
SUFFIXES = ("ها", "ان", "ات", "ون", "ين", "يه", "ية", "ه", "ة", "ي")
LONG_SUFFIXES = frozenset(s for s in SUFFIXES if len(s) == 2)
SHORT_SUFFIXES = frozenset(s for s in SUFFIXES if len(s) == 1)
MIN_STEM = 3
# An outlet's phrasing: in at least FREQUENT of its articles, and at least OWN_RATIO times as
# common there as in the other outlets' articles. Outlets with fewer than MIN_OUTLET articles
# in the batch give too few articles to tell.
FREQUENT = 0.1
OWN_RATIO = 5.0
MIN_OUTLET = 8


def stem(word: str) -> str:
    """A content word (digest.arabic.terms: normalised, prefixes stripped) without its suffix.
    Every two-letter suffix is tried before the one-letter ones, as Light10 lists them, so two
    set lookups do what a loop over the list does."""
    if len(word) - 2 >= MIN_STEM and word[-2:] in LONG_SUFFIXES:
        return word[:-2]
    if len(word) - 1 >= MIN_STEM and word[-1] in SHORT_SUFFIXES:
        return word[:-1]
    return word


def words(text: str) -> list[str]:
    return [stem(word) for word in sentence_terms(text)]


def grams(text: str) -> list[str]:
    return [gram for word in sentence_terms(text) for gram in word_grams(word)]


@lru_cache(maxsize=1 << 16)
def word_grams(word: str) -> tuple[str, ...]:
    """A word's n-grams, padded with a space each side; a day's articles share most words."""
    padded = f" {word} "
    return tuple(padded[i : i + GRAM] for i in range(max(1, len(padded) - GRAM + 1)))


def lines(article: Article) -> list[tuple[str, float]]:
    """The title and the first OPENING sentences, each with its weight."""
    body = segment(article.paragraphs)[:OPENING]
    weighted = [(s.text, LEAD_WEIGHT if s.position < LEAD else 1.0) for s in body]
    return ([(article.title, TITLE_WEIGHT)] if article.title else []) + weighted


def sentence_counts(sentences: Sequence[str], features=grams) -> sparse.csr_matrix:
    """Sentences by features, columns in sorted order. Each distinct sentence is counted
    once (wire copies and outlets quoting one statement repeat sentences): a repeated one's row
    is the same row again, and the columns, sorted features, do not depend on the rows."""
    distinct, again = np.unique(np.array(sentences, dtype=object), return_inverse=True)
    return counts(distinct, features)[again]


def outlet_discount(tf: sparse.csr_matrix, outlets: Sequence[str | None]) -> sparse.csr_matrix:
    """``tf`` with each outlet's own phrasing weighed down in that outlet's articles, by the
    ratio of how common the feature is in the other outlets' articles to how common it is in
    its own (so a dateline found in every CNN article and no other counts for nearly nothing in
    CNN's, and an event word one outlet covers more than others keeps most of its weight)."""
    present = tf.copy()
    present.data[:] = 1.0
    names = sorted({o for o in outlets if o})
    label = np.array([names.index(o) if o else -1 for o in outlets])
    sizes = np.bincount(label[label >= 0], minlength=len(names))
    everywhere = np.asarray(present.sum(axis=0)).ravel()
    out = tf.tocsr(copy=True)
    for index, size in enumerate(sizes):
        others = len(outlets) - size
        if size < MIN_OUTLET or others < MIN_OUTLET:
            continue
        rows = np.flatnonzero(label == index)
        own = np.asarray(present[rows].sum(axis=0)).ravel()
        own_rate = own / size
        other_rate = (everywhere - own + 1) / (others + 1)
        flagged = (own_rate >= FREQUENT) & (own_rate >= OWN_RATIO * other_rate)
        if not flagged.any():
            continue
        factor = np.ones(tf.shape[1])
        factor[flagged] = other_rate[flagged] / own_rate[flagged]
        for row in rows:
            span = slice(out.indptr[row], out.indptr[row + 1])
            out.data[span] *= factor[out.indices[span]]
    return out


def block(
    articles: Sequence[Article],
    per_article: list[list[tuple[str, float]]],
    features,
) -> sparse.csr_matrix:
    """Unit TF-IDF rows of one block of features, one row per article."""
    owner = np.repeat(np.arange(len(articles)), [len(s) for s in per_article])
    sentences = [text for s in per_article for text, _ in s]
    weights = [weight for s in per_article for _, weight in s]
    found = sentence_counts(sentences, features)
    frequency = np.bincount(found.indices, minlength=found.shape[1])
    total = max(MIN_SENTENCES, len(sentences))
    to_article = sparse.csr_matrix(
        (np.asarray(weights, dtype=np.float64), (owner, np.arange(len(sentences)))),
        shape=(len(articles), len(sentences)),
    )
    tf = (to_article @ found).tocsr()
    tf.data = 1 + np.log(tf.data)
    tf = outlet_discount(tf, [a.source for a in articles])
    idf = np.log((total + 1) / (frequency + 1))
    return unit_rows((tf @ sparse.diags(idf)).tocsr())


def vectors(articles: Sequence[Article]) -> sparse.csr_matrix:
    """One row per article, unit length: the word block and the n-gram block side by side, each
    scaled by √½, so the dot product of two rows is the mean of the two blocks' cosines."""
    per_article = [lines(a) for a in articles]
    both = sparse.hstack(
        [block(articles, per_article, words), block(articles, per_article, grams)]
    ).tocsr()
    both.data *= np.sqrt(0.5)
    return unit_rows(both)
