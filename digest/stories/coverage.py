"""What a story's reports say together: their sentences pooled, each distinct one once.

A story told by several outlets repeats itself: a wire sentence reprinted word for word, a
spokesman's words each outlet quotes in nearly the same terms. Pooled as they come, the copies
would crowd out the story's other developments, and ranking them would cost a comparison of
every copy with every other. So a sentence said twice is pooled once, with every place it is
said. Each article gives its first PER_REPORT sentences (a report's opening carries its
development: the event, the toll, the denial, a reaction), and at most POOL_CAP distinct
sentences are pooled, openings first, so a story of 1,000 copies costs about what one of 20
does.

Two sentences at least SAME_FACT alike (cosine of their content words) say the same thing, and a
bullet made of one names the outlets of both. On the March 2018 ANT data, pairs above 0.6 were
one quote or one fact nearly word for word (0.75 to 1.0), while pairs at 0.5 to 0.56 already
differed in a detail («المهاجم ... يتحدر من مقاطعة تيرول» against «الحارس المصاب يتحدر من
مقاطعة تيرول»: the attacker against the guard), which no outlet should be named for.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import numpy as np
from scipy import sparse

from digest.arabic import comparable, segment, sentence_terms
from digest.news import Article, Sentence, Story
from digest.stories.vectors import Matrix, counts, dense, unit_rows

PER_REPORT = 12
POOL_CAP = 240
SAME_FACT = 0.6
# A pool whose sentences and titles by words fit in this many cells is compared as a dense
# array: a story of a few reports then costs microseconds per product rather than the tenth of
# a millisecond SciPy spends checking each sparse one (most of summarising a 1,000-article day:
# its hundreds of small stories each need a headline). A story of thousands of copies, whose
# titles and own sentences bring tens of thousands of words, stays sparse.
DENSE_CELLS = 1_000_000


@dataclass(frozen=True)
class Statement:
    """One distinct sentence of a story and every place it is said (``article`` set), openings
    and then the story's article order first."""

    text: str
    places: tuple[Sentence, ...]

    @property
    def position(self) -> int:
        """The earliest place any report gives it: what its reporters made of it."""
        return min(place.position for place in self.places)


@dataclass(frozen=True, eq=False)
class Pool:
    """A story's statements and how they relate to each other and to the story.

    ``similar``: cosine of content words between statements. ``centrality``: each statement's
    cosine with the story as a whole, where each outlet counts once (the mean of its reports),
    so an outlet that filed seven updates does not outvote four that filed one each.
    ``title_likeness``: the same measure for each titled article's title, by article id, and
    ``report_likeness`` for each article's report as a whole (its pooled sentences summed): a
    report of a side development or of another event the story took in is less like it.
    ``after``: the statement at each (article, position), for the sentence a back-reference
    leans on.
    """

    story: Story
    statements: tuple[Statement, ...]
    similar: np.ndarray
    centrality: np.ndarray
    title_likeness: dict[str, float]
    report_likeness: dict[str, float]
    after: dict[tuple[str, int], int] = field(default_factory=dict)
    order: dict[str, int] = field(default_factory=dict)

    def echoes(self, i: int) -> list[int]:
        """The other statements that say what statement i says."""
        return [int(j) for j in np.flatnonzero(self.similar[i] >= SAME_FACT) if j != i]

    def reports(self, i: int) -> list[Article]:
        """The articles that say statement i, in the story's order."""
        ids = {p.article for j in (i, *self.echoes(i)) for p in self.statements[j].places}
        return [self.story.articles[n] for n in sorted(self.order[a] for a in ids)]

    @cached_property
    def voices(self) -> tuple[frozenset[str], ...]:
        """The outlets that say each statement; an article nothing names is an outlet of its
        own. Asked of every statement twice (its weight, and which outlets the bullets name),
        so found once."""
        return tuple(
            frozenset(a.source or f"?{a.id}" for a in self.reports(i))
            for i in range(len(self.statements))
        )

    def outlets(self, i: int) -> int:
        """How many outlets say statement i."""
        return len(self.voices[i])

    def first_reported(self, i: int) -> dt.date:
        dates = [a.published for a in self.reports(i) if a.published]
        return min(dates, default=dt.date.max)


# A particle fused to the front (ل "to", ب "by") and the alif of the accusative ending («موكبا»,
# «انفجارا»): how one word differs between two outlets' tellings of a fact, after the article
# and و that sentence_terms already strips.
CLITICS = ("ل", "ب")
ACCUSATIVE = "ا"


@lru_cache(maxsize=1 << 16)
def words(text: str) -> frozenset[str]:
    """The content words of a sentence, folded a step further than for ranking, for asking what
    a sentence adds to what the reader has been told."""
    return frozenset(map(without_affixes, sentence_terms(text)))


def without_affixes(word: str) -> str:
    if len(word) >= 5 and word.startswith(CLITICS):
        word = word[1:]
    if len(word) >= 5 and word.endswith(ACCUSATIVE):
        word = word[:-1]
    return word


def pool(story: Story) -> Pool:
    places = sorted(
        (
            (sentence.position, n, sentence, article.id)
            for n, article in enumerate(story.articles)
            for sentence in segment(article.paragraphs)[:PER_REPORT]
        ),
        key=lambda item: (item[0], item[1]),
    )
    found: dict[str, list[Sentence]] = {}
    after: dict[tuple[str, int], int] = {}
    index: dict[str, int] = {}
    for position, _, sentence, article in places:
        heard = comparable(sentence.text)
        if heard not in found:
            if len(found) == POOL_CAP:
                continue
            index[heard] = len(found)
            found[heard] = []
        found[heard].append(Sentence(sentence.text, position, sentence.paragraph, article))
        after[(article, position)] = index[heard]
    statements = tuple(Statement(places[0].text, tuple(places)) for places in found.values())
    titled = [a for a in story.articles if a.title]
    vectors = counts([s.text for s in statements] + [a.title or "" for a in titled], sentence_terms)
    vectors = unit_rows(
        vectors.toarray() if vectors.shape[0] * vectors.shape[1] <= DENSE_CELLS else vectors
    )
    said, titles = vectors[: len(statements)], vectors[len(statements) :]
    reports = report_vectors(story, statements, after, said)
    profile = story_profile(story, reports)
    return Pool(
        story=story,
        statements=statements,
        similar=dense(said @ said.T),
        centrality=np.asarray(said @ profile).ravel(),
        title_likeness={
            a.id: float(v)
            for a, v in zip(titled, np.asarray(titles @ profile).ravel(), strict=True)
        },
        report_likeness={
            a.id: float(v)
            for a, v in zip(story.articles, np.asarray(reports @ profile).ravel(), strict=True)
        },
        after=after,
        order={a.id: n for n, a in enumerate(story.articles)},
    )


def report_vectors(
    story: Story,
    statements: Sequence[Statement],
    after: dict[tuple[str, int], int],
    said: Matrix,
) -> Matrix:
    """Each article's report as a unit row of content words: the sum of its pooled sentences
    (dense or sparse as ``said`` is)."""
    row = {a.id: n for n, a in enumerate(story.articles)}
    pairs = {(row[article], i) for (article, _), i in after.items()}
    rows, columns = zip(*sorted(pairs), strict=True) if pairs else ((), ())
    has = sparse.csr_matrix(
        (np.ones(len(rows)), (rows, columns)), shape=(len(story.articles), len(statements))
    )
    return unit_rows(has @ said)


def story_profile(story: Story, reports: Matrix) -> np.ndarray:
    """The story as a whole, as a unit column of content words: the mean of each outlet's
    reports (report_vectors), summed over the outlets."""
    outlet = [a.source or f"?{a.id}" for a in story.articles]
    names = {name: n for n, name in enumerate(dict.fromkeys(outlet))}
    sizes = Counter(outlet)
    share = sparse.csr_matrix(
        (
            [1.0 / sizes[name] for name in outlet],
            ([names[name] for name in outlet], range(len(outlet))),
        ),
        shape=(len(names), len(outlet)),
    )
    total = np.asarray((share @ reports).sum(axis=0)).ravel()
    length = np.linalg.norm(total)
    return total / length if length else total
