"""Grouping articles that tell the same story: a news topic, one event and everything directly
tied to it (reactions, tolls, denials, follow-ups), told by one outlet or many.

Articles are compared on what carries the event, with each outlet's own phrasing discounted
(digest/stories/features.py). Groups of articles are merged closest first while they are at
least THRESHOLD alike and their dates lie within the window (an undated article fits any
window), alike meaning halfway between average linkage and centroid linkage (linkage()). Then
the stories of one long-running event, each telling another development of it, are merged the
same way down to NAMED_THRESHOLD when one name heads most of the titles of both
(digest/stories/headlines.py): what their texts share is little beyond the event's name.

The sports pages open every report on the same words (the national side, the friendly, the
World Cup, the win), so two reports of different matches are as alike there as two outlets'
reports of one event are elsewhere: in the first pass two groups each mostly of sports reports
merge only at SPORT_THRESHOLD, or a week of friendlies is one story; the name pass then joins a
match's pieces that the teams' names head.

Last, a lone report joins an event of at least TRACKED reports down to TRACK_THRESHOLD: TDT's
tracking, which holds a topic its reports have established to a lower threshold than it takes to
detect one. A report left alone after both passes and yet that near a big story is often one
outlet's side development of its event (an expert's view of the poison, a profile of the
official named, a reaction in its own words), and about as often a neighbouring event of the
same place (another Yemeni front, another Syrian town): over the labelled days 67 of the 154 it
joins are of their story's topic (BENCHMARKS.md, "Stories"), and what they win back is the
events told in pieces, at a little precision's cost; the story's headline and bullets come from
its other reports (Story.tracked). Two stories of several reports each stay apart (each has
words of its own to be judged by), and the sports pages stay out: a lone report there (another
match of the round, a player's remark) is as near a big match's story by the words every sports
report shares.

A monitoring desk builds thousands of articles at once, and an agency's story may come back from
hundreds of its subscribers, so the work per article is bounded:

- copies of one text (articles of one day sharing at least COPY_SHARE of their lines verbatim
  with the first of them) start as one group: they would be merged first anyway, and a thousand
  copies are then one row, not half a million pairs;
- each group is linked to at most NEIGHBOURS others, its most alike, at least THRESHOLD alike
  and within the window; links are what the linkage compares, so its memory and time grow with
  the number of articles, not its square;
- up to EXACT_PAIRS groups every pair is computed, a chunk of rows at a time; beyond that,
  candidate pairs come from each row's CANDIDATE_GRAMS most telling features (its rarest names
  and words: what two reports of one event share), and each candidate is then scored in full.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence

import numpy as np
from scipy import sparse

from digest.news import Article, Story
from digest.stories.features import lines, vectors, word_grams
from digest.stories.headlines import shared_name
from digest.stories.vectors import unit_rows

__all__ = ["cluster", "vectors", "word_grams"]

THRESHOLD = 0.19
NAMED_THRESHOLD = 0.15
SPORT_THRESHOLD = 0.22
TRACK_THRESHOLD = 0.13
TRACKED = 5
CENTRE = 0.5
WINDOW = dt.timedelta(days=2)
NEIGHBOURS = 10
COPY_SHARE = 0.5
LEADERS = 8
EXACT_PAIRS = 20_000
CANDIDATE_GRAMS = 60
CANDIDATE_THRESHOLD = 0.08
CHUNK = 512
CANDIDATE_CHUNK = 20_000
UNDATED = -1
# An undated group's earliest day (and minus its latest): later than any date, without overflow.
NO_DATE = 2**40


def day_numbers(articles: Sequence[Article]) -> np.ndarray:
    return np.array([a.published.toordinal() if a.published else UNDATED for a in articles])


def in_window(days: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    a, b = days[rows], days[cols]
    return (a == UNDATED) | (b == UNDATED) | (np.abs(a - b) <= WINDOW.days)


def copies(articles: Sequence[Article]) -> list[list[int]]:
    """Groups of copies of one text, in order of their first member; every other article
    alone. A copy shares at least COPY_SHARE of its lines (title and opening sentences) and of its
    group's first article's lines verbatim, and was published the same day: an agency's text as
    each subscriber reprints it, under its own title or with a line of its own.

    An article is compared only with the first articles of the groups filed under its most
    repeated line, at most LEADERS of them, so the work per article is bounded however many
    copies there are."""
    texts = [frozenset(text for text, _ in lines(a)) for a in articles]
    seen: Counter[str] = Counter(text for own in texts for text in own)
    leaders: defaultdict[str, list[int]] = defaultdict(list)
    group_of: dict[int, list[int]] = {}
    groups: list[list[int]] = []
    for i, own in enumerate(texts):
        anchor = max(own, key=lambda text: (seen[text], text)) if own else None
        home = None
        if anchor is not None and seen[anchor] > 1:
            home = next(
                (
                    j
                    for j in leaders[anchor]
                    if articles[j].published == articles[i].published
                    and len(own & texts[j]) >= COPY_SHARE * max(len(own), len(texts[j]))
                ),
                None,
            )
        if home is None:
            groups.append(group_of.setdefault(i, [i]))
            if anchor is not None and len(leaders[anchor]) < LEADERS:
                leaders[anchor].append(i)
        else:
            group_of[home].append(i)
    return groups


def nearest(rows: np.ndarray, cols: np.ndarray, values: np.ndarray, keep: int) -> np.ndarray:
    """Which of the (row, col, value) entries are among their row's ``keep`` largest."""
    order = np.lexsort((cols, -values, rows))
    ranked = rows[order]
    starts = np.flatnonzero(np.r_[True, ranked[1:] != ranked[:-1]])
    place = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    chosen = np.zeros(len(order), dtype=bool)
    chosen[order[place < keep]] = True
    return chosen


def pairs(
    x: sparse.csr_matrix, scale: np.ndarray, days: np.ndarray, threshold: float, keep: int
) -> tuple[np.ndarray, ...]:
    """(i, j, similarity) with i < j for each row's ``keep`` most alike rows, at least
    ``threshold`` and within the window; rows are group sums, alike by their dot product over
    the product of their ``scale`` (linkage()).

    The rows are taken in order of date (undated first), a chunk at a time so memory stays
    bounded, and each chunk is multiplied only with the rows after its start that its dates can
    reach (undated ones with every later row): each pair once, and a month of articles is not a
    month's square. A chunk keeps, of its pairs, each row's and each later row's ``keep`` most
    alike; a row's most alike overall are among those, so the last cut is exact."""
    order = np.argsort(days, kind="stable")
    ordered = days[order]
    x = x[order]
    found = []
    for start in range(0, x.shape[0], CHUNK):
        end = min(start + CHUNK, x.shape[0])
        reach = x.shape[0]
        if ordered[start] != UNDATED:
            reach = int(np.searchsorted(ordered, ordered[end - 1] + WINDOW.days, side="right"))
        block = (x[start:end] @ x[start:reach].T).tocoo()
        rows, cols = block.row + start, block.col + start
        values = block.data / (scale[order[rows]] * scale[order[cols]])
        fit = (cols > rows) & (values >= threshold)
        rows, cols, values = order[rows[fit]], order[cols[fit]], values[fit]
        fit = in_window(days, rows, cols)
        rows, cols, values = rows[fit], cols[fit], values[fit]
        fit = nearest(rows, cols, values, keep) | nearest(cols, rows, values, keep)
        found.append((rows[fit], cols[fit], values[fit]))
    rows, cols, values = (np.concatenate(part) for part in zip(*found, strict=True))
    fit = either_nearest(rows, cols, values, keep)
    return np.minimum(rows, cols)[fit], np.maximum(rows, cols)[fit], values[fit]


def either_nearest(rows: np.ndarray, cols: np.ndarray, values: np.ndarray, keep: int) -> np.ndarray:
    """Which of the pairs are among the ``keep`` most alike of either of their two rows."""
    fit = nearest(np.r_[rows, cols], np.r_[cols, rows], np.r_[values, values], keep)
    return fit[: len(rows)] | fit[len(rows) :]


def strongest(x: sparse.csr_matrix, keep: int) -> sparse.csr_matrix:
    """Each row cut to its ``keep`` largest weights, unit length again."""
    out = x.copy()
    for i in range(out.shape[0]):
        row = out.data[out.indptr[i] : out.indptr[i + 1]]
        if len(row) > keep:
            row[row < np.partition(row, -keep)[-keep]] = 0.0
    out.eliminate_zeros()
    return unit_rows(out)


def linked(
    x: sparse.csr_matrix, scale: np.ndarray, days: np.ndarray, threshold: float = THRESHOLD
) -> tuple[np.ndarray, ...]:
    """(i, j, similarity) for each group's NEIGHBOURS most alike groups, at least ``threshold``
    alike and within the window."""
    if x.shape[0] <= EXACT_PAIRS:
        return pairs(x, scale, days, threshold, NEIGHBOURS)
    ones = np.ones(x.shape[0])
    rows, cols, _ = pairs(
        strongest(unit_rows(x.copy()), CANDIDATE_GRAMS),
        ones,
        days,
        CANDIDATE_THRESHOLD,
        4 * NEIGHBOURS,
    )
    similar = np.empty(len(rows))
    for start in range(0, len(rows), CANDIDATE_CHUNK):
        part = slice(start, start + CANDIDATE_CHUNK)
        similar[part] = np.asarray(x[rows[part]].multiply(x[cols[part]]).sum(axis=1)).ravel()
    similar /= scale[rows] * scale[cols]
    fit = similar >= threshold
    rows, cols, similar = rows[fit], cols[fit], similar[fit]
    fit = either_nearest(rows, cols, similar, NEIGHBOURS)
    return rows[fit], cols[fit], similar[fit]


def mostly(flagged: int, size: int) -> bool:
    """Whether a group of ``size`` articles, ``flagged`` of them from the sports pages, is one
    the sports pages' own rules hold (SPORT_THRESHOLD, tracking)."""
    return 2 * flagged > size


def spread(size: int, length: float) -> float:
    """s(X) of linkage(), from the group's size and the length of its sum; never 0, so a group
    of articles without a word is alike to nothing rather than a division by zero."""
    return max(size ** (1 - CENTRE) * length**CENTRE, 1e-12)


def linkage(
    x: sparse.csr_matrix,
    days: np.ndarray,
    start: Sequence[Sequence[int]] | None = None,
    threshold: float = THRESHOLD,
    joinable: Callable[[list[int], list[int]], bool] | None = None,
    sport: np.ndarray | None = None,
) -> list[list[int]]:
    """Groups (indices into ``x``) merged closest first while they are at least ``threshold``
    alike and their dates fit the window, starting from ``start`` (by default each article
    alone); with ``joinable``, only two groups it admits (their indices into ``x``) are linked
    and merged. With ``sport`` (a flag per article: from the sports pages), two groups each
    mostly of flagged articles merge only at SPORT_THRESHOLD or more alike.

    The rows are unit vectors. Groups A and B, ΣX the sum of X's rows, are alike by
    (ΣA · ΣB) / (s(A) s(B)) with s(X) = |X|^(1-CENTRE) ‖ΣX‖^CENTRE: CENTRE 0 is average linkage
    (the mean similarity over the |A||B| article pairs), 1 centroid linkage (the cosine of the
    two groups' centres), and two articles are alike by their cosine either way. Average linkage
    holds a long-running event apart as its groups of reports grow varied (the advance, the
    toll, the evacuation, the reactions abroad); centroid linkage lets a group's centre drift
    into a theme (every football match of a weekend); halfway keeps both in check.

    A group is its sum, and a merge adds two sums. A group is compared only with the groups it
    is linked to (linked(): its NEIGHBOURS most alike, at least THRESHOLD alike and within the
    window), and a merged group's links are its two parts' links. Candidate merges wait in a
    heap, closest first; one whose group has since merged is passed over when it comes up (a
    merged group's own are pushed anew). Two groups whose dates together span more than WINDOW
    stay apart for good: merging only ever widens a span (and a merge is checked as it comes up:
    starting groups are linked by their first articles' dates, not their spans). With CENTRE 0
    and no group of more than NEIGHBOURS such neighbours this is SciPy's average linkage cut at 1 - THRESHOLD (a mean
    never exceeds its largest term, so unlinked groups could not merge anyway), without its n²
    distances.

    Distances are 1 - similarity, floored at 0 as SciPy's input was, so copies of one text tie.
    An exact tie goes to the pair of lower slots, a merged group taking the higher slot of its
    two parts, as in SciPy (fastcluster's convention). SciPy's nearest-neighbour chain meets
    tied pairs in the order its walk over all n² distances takes, so where a tie decides which
    of two groups an article joins (one text dated twice days apart, and an undated copy), the
    two can choose differently.
    """
    groups = [list(g) for g in start] if start is not None else [[i] for i in range(x.shape[0])]
    n = len(groups)
    cut = 1.0 - threshold
    owner = np.repeat(np.arange(n), [len(g) for g in groups])
    inside = np.concatenate([np.asarray(g, dtype=np.int64) for g in groups])
    combine = sparse.csr_matrix((np.ones(len(inside)), (owner, inside)), shape=(n, x.shape[0]))
    x = (combine @ x).tocsr()
    size = [len(g) for g in groups]
    flagged = np.zeros(len(days), dtype=bool) if sport is None else sport
    in_sport = [int(flagged[g].sum()) for g in groups]
    sport_cut = 1.0 - SPORT_THRESHOLD
    norm = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel()).tolist()
    scale = [spread(k, m) for k, m in zip(size, norm, strict=True)]
    dated = days != UNDATED
    earliest = [int(np.where(dated[g], days[g], NO_DATE).min()) for g in groups]
    latest = [int(np.where(dated[g], days[g], -NO_DATE).max()) for g in groups]
    rows, cols, similar = linked(
        x, np.asarray(scale, dtype=np.float64), np.array([days[g[0]] for g in groups]), threshold
    )
    if joinable is not None:
        fit = np.array(
            [
                joinable(groups[i], groups[j])
                for i, j in zip(rows.tolist(), cols.tolist(), strict=True)
            ],
            dtype=bool,
        )
        rows, cols, similar = rows[fit], cols[fit], similar[fit]
    members: dict[int, list[int]] = dict(enumerate(groups))
    version = [0] * n
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
        if max(latest[a], latest[b]) - min(earliest[a], earliest[b]) > WINDOW.days:
            continue
        if distance > sport_cut and mostly(in_sport[a], size[a]) and mostly(in_sport[b], size[b]):
            continue
        if joinable is not None and not joinable(members[a], members[b]):
            continue
        parts = [total(a), total(b)]
        for grams, weights in parts:
            dense[grams] += weights
        grams = np.union1d(parts[0][0], parts[1][0])
        sums[b] = (grams, dense[grams].copy())
        sums.pop(a, None)
        members[b] += members.pop(a)
        size[b] += size[a]
        in_sport[b] += in_sport[a]
        scale[b] = spread(size[b], float(np.sqrt(dense[grams] @ dense[grams])))
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
            alike = float(weights_k @ dense[grams_k]) / (scale[b] * scale[k])
            if 1.0 - alike <= cut:
                low, high = min(b, k), max(b, k)
                entry = (max(0.0, 1.0 - alike), low, high, version[low], version[high])
                heapq.heappush(queue, entry)
        dense[grams] = 0.0
    return list(members.values())


def tracked(sport: np.ndarray) -> Callable[[Sequence[int], Sequence[int]], bool]:
    """Whether two groups are a lone report and a story of TRACKED or more, neither mostly
    from the sports pages (``sport``: a flag per article)."""

    def news(group: Sequence[int]) -> bool:
        return not mostly(int(sport[list(group)].sum()), len(group))

    return lambda a, b: (
        min(len(a), len(b)) == 1 and max(len(a), len(b)) >= TRACKED and news(a) and news(b)
    )


def cluster(articles: Sequence[Article]) -> list[Story]:
    """Stories in the order of their first article; articles inside a story in input order."""
    if not articles:
        return []
    x = vectors(articles)
    days = day_numbers(articles)
    sport = np.array([a.section == "sport" for a in articles])
    groups = linkage(x, days, copies(articles), sport=sport)
    if len(groups) > 1:
        groups = linkage(x, days, groups, NAMED_THRESHOLD, shared_name(articles))
    alone = {g[0] for g in groups if len(g) == 1}
    if any(len(g) >= TRACKED for g in groups) and alone:
        groups = linkage(x, days, groups, TRACK_THRESHOLD, tracked(sport))
    return [
        Story(
            articles=tuple(articles[i] for i in g),
            tracked=frozenset(articles[i].id for i in g if i in alone and len(g) > 1),
        )
        for g in sorted(map(sorted, groups))
    ]
