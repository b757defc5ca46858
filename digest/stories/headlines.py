"""The names a story is headlined by: what lets the reports of one long-running event meet when
each tells a different development of it.

An event that runs for days is told many ways (Afrin's fall: the looting, the displaced, a
volunteer killed, Damascus's and Cairo's condemnations); reports of different developments share
little beyond the event's name, so the comparison of whole texts (features.py) parts them. What
they do share is in their titles: «عفرين» heads nearly every one. A name is such a term: one
that heads most of the reports that mention it. A theme word or a generic one («انتخابات»,
«سوريا», «المدنيين») is mentioned in many reports it does not head, in the openings of reports
about other things, so it tells no event apart. The sports pages count too: the first pass holds
their reports to a higher threshold (cluster.SPORT_THRESHOLD), since every report there opens on
the same words, and leaves a match's preview, report and reactions apart, which the teams'
names head («إسبانيا», «الأرجنتين»). A player's name heads his different topics as well (a
match, an award, a transfer rumour), and joins them: the price of that, measured in BENCHMARKS.md
("Stories").

A name is compared as its consonants (skeleton()), with a one-letter proclitic taken off where
what remains heads other titles (unclitic()): outlets transliterate one foreign name differently
(Sky News Arabia's «بوتن» is the others' «بوتين»), and «لبوتين» is Putin too. Both apply to every
title word, since nothing marks a word as foreign; what keeps two words that merely share their
consonants apart is what keeps any two words apart: a name must head most of the reports that
mention it and most of the titles of both stories, which must be alike enough besides.

cluster.py lets two stories merge at a lower similarity (cluster.NAMED_THRESHOLD) when one name
heads at least HEADLINE_SHARE of each one's articles (shared_name()).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

from digest.arabic import sentence_terms
from digest.news import Article
from digest.stories.features import LEAD, lines, stem

HEADLINE_SHARE = 0.5
# A name heads at least half the reports whose title or opening mentions it.
MENTION_RATIO = 2.0
MIN_OUTLETS = 2
LONG_VOWELS = frozenset("اوي")
PROCLITICS = frozenset("لبوفك")
MIN_SKELETON = 3


def skeleton(word: str) -> str:
    """A term as its consonants: outlets transliterate a foreign name with or without its long
    vowels («بوتين»/«بوتن», «ترامب»/«ترمب»), so the letters after the first, less ا و ي, are
    what they agree on. A word too short to keep MIN_SKELETON letters so is its stem."""
    bare = word[0] + "".join(c for c in word[1:] if c not in LONG_VOWELS)
    return bare if len(bare) >= MIN_SKELETON else stem(word)


def unclitic(word: str, heads: Counter[str]) -> str:
    """A word's skeleton, less a one-letter proclitic («لبوتين», «بعفرين») when what remains
    heads titles: a word that merely begins with one of those letters («بريطانيا») keeps it."""
    term = skeleton(word)
    if term[0] in PROCLITICS and len(term) > MIN_SKELETON and heads[term[1:]]:
        return term[1:]
    return term


def keys(text: str, heads: Counter[str]) -> frozenset[str]:
    """A text's words as unclitic() has them."""
    return frozenset(unclitic(w, heads) for w in sentence_terms(text))


def names(articles: Sequence[Article]) -> tuple[list[frozenset[str]], frozenset[str]]:
    """Each article's title terms (keys()), and which terms of the batch are names: mentioned in the
    title or the first LEAD sentences of at most MENTION_RATIO times as many articles as they
    head."""
    heads = Counter(skeleton(w) for a in articles for w in set(sentence_terms(a.title or "")))
    titles = [keys(a.title or "", heads) for a in articles]
    heading = Counter(term for own in titles for term in own)
    mentioned = Counter(
        term
        for a in articles
        for term in {t for text, _ in lines(a)[: LEAD + 1] for t in keys(text, heads)}
    )
    outlets: dict[str, set[str]] = {}
    for a, own in zip(articles, titles, strict=True):
        for term in own:
            outlets.setdefault(term, set()).add(a.source or "")
    named = frozenset(
        t
        for t, k in heading.items()
        if mentioned[t] <= MENTION_RATIO * k and len(outlets[t] - {""}) >= MIN_OUTLETS
    )
    return titles, named


def headlines(group: Sequence[int], titles: Sequence[frozenset[str]]) -> frozenset[str]:
    """The names in at least HEADLINE_SHARE of the group's titles."""
    counted = Counter(term for i in group for term in titles[i])
    return frozenset(t for t, k in counted.items() if k >= HEADLINE_SHARE * len(group))


def shared_name(articles: Sequence[Article]) -> Callable[[Sequence[int], Sequence[int]], bool]:
    """Whether two groups of the articles (indices) are headlined by one name: a name in most
    of each group's titles, asked anew of every merged group, so that a chain of stories each
    sharing a different name with the next does not make one story."""
    titles, named = names(articles)
    own = [t & named for t in titles]
    return lambda a, b: bool(headlines(a, own) & headlines(b, own))
