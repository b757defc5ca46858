"""Choosing the sentences that carry a story: a headline and up to k bullets.

Sentences are scored by TextRank centrality over normalised content words, weighted by a prior
for coming early, as news puts the main facts first. Bullets are picked greedily by score, skipping fragments, run-ons and any
sentence that repeats what was already picked (maximal marginal relevance), and come back in
document order with their positions. A story told by several outlets pools their sentences; a
sentence that other outlets also report gains weight, and the bullets keep each outlet's order.

What a reader is shown must hold up on its own: a shortened headline's whole sentence is among
the bullets, a sentence that refers back («جاء ذلك», «وأضاف») comes only with the one it refers
to, and questions come only when no answer is left.
"""

from __future__ import annotations

import math
import operator
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache

import numpy as np
from scipy import sparse

from digest.arabic import segment, sentence_terms
from digest.news import DEFAULT_BULLETS, Article, Sentence, Story, Summary
from digest.stories.references import NEEDS_UNSEEN, antecedents, is_question
from digest.stories.vectors import unit_rows

MIN_WORDS = 8
MAX_WORDS = 80
HEADLINE_WORDS = 20
HEADLINE_MIN_WORDS = 5
POSITION_DECAY = 2.0
DAMPING = 0.85
ITERATIONS = 100
TOLERANCE = 1e-9
SUPPORT_WEIGHT = 0.3
REDUNDANCY = 0.5
# Sentences ranked per article: TextRank compares every pair, so without a cap a page that
# swallowed an archive costs hours. The position prior leaves sentence 50 a 2,500th of the
# first's weight, so a longer article's summary comes from its opening anyway.
MAX_RANKED = 50
CLAUSE_END = re.compile(r"[،؛:,;]")
WORD = re.compile(r"\w+")
NAME = "posrank+mmr"


def cosine(a: Counter[str], b: Counter[str], norms: tuple[float, float] | None = None) -> float:
    """``norms``: the two vectors' lengths when the caller already has them (pick compares
    each sentence with many, so it measures each once)."""
    if not a or not b:
        return 0.0
    # Whole-number counts: the sum is exact in any order, so only the shared terms are visited.
    dot = sum(a[term] * b[term] for term in a.keys() & b.keys())
    length_a, length_b = norms or (norm(a), norm(b))
    return dot / (length_a * length_b)


def norm(counts: Counter[str]) -> float:
    return math.sqrt(sum(map(operator.mul, counts.values(), counts.values())))


def pagerank(weights: Sequence[Sequence[float]] | np.ndarray) -> list[float]:
    weights = np.asarray(weights, dtype=float)
    n = len(weights)
    totals = weights.sum(axis=1)
    moves = np.divide(
        weights, totals[:, None], out=np.zeros_like(weights), where=totals[:, None] > 0
    )
    rank = np.full(n, 1.0 / n)
    sinks = totals == 0
    any_sinks = bool(sinks.any())
    teleport = (1 - DAMPING) / n
    # Two buffers reused in place: an article's ranking runs up to ITERATIONS steps, each a
    # handful of operations on a few dozen numbers, where allocating costs as much as adding.
    new, change = np.empty(n), np.empty(n)
    for _ in range(ITERATIONS):
        np.matmul(rank, moves, out=new)
        if any_sinks:
            new += rank[sinks].sum() / n
        new *= DAMPING
        new += teleport
        np.subtract(new, rank, out=change)
        done = np.abs(change, out=change).sum() < TOLERANCE
        rank, new = new, rank
        if done:
            break
    return rank.tolist()


def term_counts(texts: Sequence[str]) -> sparse.csr_matrix:
    """Sentences by normalised content words: how often each sentence uses each word."""
    rows, cols, size = term_places(texts)
    return sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(texts), size))


def term_places(texts: Sequence[str]) -> tuple[list[int], list[int], int]:
    """(sentence, word) for each use of a content word, and how many distinct words there are."""
    used = [sentence_terms(text) for text in texts]
    uses = [term for terms in used for term in terms]
    vocabulary = {term: i for i, term in enumerate(dict.fromkeys(uses))}
    rows = [i for i, terms in enumerate(used) for _ in terms]
    return rows, [vocabulary[term] for term in uses], len(vocabulary)


def score(texts: Sequence[str]) -> list[float]:
    """TextRank centrality divided by (position + 1) squared.

    News and encyclopaedic text put the main point first; among later sentences, centrality
    decides. Measured on EASC, this beats both Lead-k and plain TextRank (BENCHMARKS.md).
    """
    if not texts:
        return []
    # Dense: one article's sentences make a small matrix, where sparse products cost more in
    # overhead than they save; the entries are 0 and 1, so the sums are the same exactly.
    rows, cols, size = term_places(texts)
    words = np.zeros((len(texts), size))
    words[rows, cols] = 1.0
    shared = words @ words.T
    distinct = np.count_nonzero(words, axis=1)
    logs = np.log(np.maximum(distinct, 1))
    long_enough = distinct >= 2
    usable = np.outer(long_enough, long_enough) & ~np.eye(len(texts), dtype=bool)
    weights = np.zeros_like(shared)
    np.divide(shared, logs[:, None] + logs[None, :], out=weights, where=usable)
    rank = pagerank(weights)
    top = max(rank) or 1.0
    return [r / top / (i + 1) ** POSITION_DECAY for i, r in enumerate(rank)]


@lru_cache(maxsize=1 << 16)
def fits(text: str) -> bool:
    """Neither a fragment nor a run-on; asked for each sentence each time a story picks."""
    return MIN_WORDS <= len(WORD.findall(text)) <= MAX_WORDS


def pick(
    texts: Sequence[str],
    scores: Sequence[float],
    k: int,
    avoid: Sequence[str] = (),
    needs: Sequence[int | None] | None = None,
) -> list[int]:
    """Up to k indices by score, none repeating another or `avoid`, in document order.

    Fragments and run-ons come last, then questions: an interviewer's question is picked only
    when no answer is left. ``needs[i]`` is the sentence that sentence i refers back to
    (digest/stories/references.py, NEEDS_UNSEEN for one never shown); it is picked only once that one
    is picked, and otherwise loses to sentences that stand alone.
    """
    ranked = sorted(
        range(len(texts)), key=lambda i: (not fits(texts[i]), is_question(texts[i]), -scores[i], i)
    )
    avoided = [Counter(sentence_terms(t)) for t in avoid]
    vectors = {i: Counter(sentence_terms(texts[i])) for i in ranked}
    norms = {i: norm(v) for i, v in vectors.items()}
    picked: list[int] = []
    waiting = [i for i in ranked if not any(cosine(vectors[i], c) > REDUNDANCY for c in avoided)]
    while len(picked) < k:
        ready = [i for i in waiting if needs is None or needs[i] is None or needs[i] in picked]
        if not ready:
            break
        i = ready[0]
        picked.append(i)
        if len(picked) == k:
            break
        # What is still waiting was compared with every earlier pick: only the new one is left.
        waiting = [
            j
            for j in waiting
            if j != i and cosine(vectors[j], vectors[i], (norms[j], norms[i])) <= REDUNDANCY
        ]
    return sorted(picked)


def select(texts: Sequence[str], k: int) -> list[int]:
    """The k sentences of one article that best summarise it, in document order."""
    return pick(texts, score(texts), k, needs=antecedents(texts))


def shorten(text: str) -> str:
    """A headline of at most about HEADLINE_WORDS words, cut only where a clause ends."""
    words = text.split()
    if len(words) <= HEADLINE_WORDS:
        return text
    best = None
    for match in CLAUSE_END.finditer(text):
        prefix = text[: match.start()].strip()
        if HEADLINE_MIN_WORDS <= len(prefix.split()) <= HEADLINE_WORDS:
            best = prefix
    return best or text


def summarise(article: Article, bullets: int = DEFAULT_BULLETS) -> Summary:
    return summarise_story(Story(articles=(article,)), bullets)


def summarise_story(story: Story, bullets: int = DEFAULT_BULLETS) -> Summary:
    """The headline and bullets of a story.

    The headline is the first article's own title when it has one. Otherwise it is the best
    sentence that stands alone, shortened at a clause end when it is long; what the cut drops
    (often the clause that carries the news: «…، إلا أنهم لم يتمكنوا من التوصل إلى اتفاق») must
    still reach the reader, so the whole sentence is then a bullet too. Bullets come in
    document order, the headline's article first, so a sentence that refers back follows the
    one it refers to.
    """
    titles = [a.title for a in story.articles if a.title]
    pool: list[Sentence] = []
    scores: list[float] = []
    needs: list[int | None] = []
    for article in story.articles:
        sentences = segment(article.paragraphs)[:MAX_RANKED]
        texts = [s.text for s in sentences]
        title_shown = bool(titles) and article.title == titles[0]
        needs += [
            None if n is None else n if n == NEEDS_UNSEEN else n + len(pool)
            for n in antecedents(texts, title_shown)
        ]
        pool += [replace(s, article=article.id) for s in sentences]
        scores += score(texts)
    if len(story.articles) > 1:
        scores = [s + SUPPORT_WEIGHT * v for s, v in zip(scores, support(pool), strict=True)]
    texts = [s.text for s in pool]

    first: list[int] = []
    if titles:
        headline, top = titles[0], None
        avoid = [headline]
    elif pool:
        best = pick(texts, scores, 1, needs=needs)
        top = best[0] if best else 0
        headline = shorten(texts[top])
        avoid = [texts[top]]
        if headline != texts[top]:
            first = [top]
    else:
        return Summary(headline="", headline_position=None, bullets=())

    candidates = [i for i in range(len(pool)) if i != top]
    chosen = pick(
        [texts[i] for i in candidates],
        [scores[i] for i in candidates],
        bullets - len(first),
        avoid,
        [within(needs[i], candidates, top) for i in candidates],
    )
    order = {a.id: n for n, a in enumerate(story.articles)}
    lead = pool[top].article if top is not None else None
    picked = sorted(
        [pool[i] for i in first] + [pool[candidates[i]] for i in chosen],
        key=lambda s: (s.article != lead, order[s.article], s.position),
    )
    position = pool[top].position if top is not None else None
    return Summary(headline=headline, headline_position=position, bullets=tuple(picked))


def within(need: int | None, candidates: list[int], shown: int | None) -> int | None:
    """A pool index of an antecedent as an index among the candidates; the headline's own
    sentence is on show, so what refers to it stands."""
    if need is None or need == shown:
        return None
    return candidates.index(need) if need in candidates else NEEDS_UNSEEN


def support(pool: Sequence[Sentence]) -> list[float]:
    """For each sentence, how closely another outlet's sentence says the same."""
    counts = unit_rows(term_counts([s.text for s in pool]))
    similar = (counts @ counts.T).toarray()
    articles = np.array([s.article for s in pool])
    similar[articles[:, None] == articles[None, :]] = 0.0
    return similar.max(axis=1, initial=0.0).tolist()
