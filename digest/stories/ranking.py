"""Which stories lead an issue, which are a line in "Also reported", and which stay on the site.

An editor leads with the events the most outlets cover most: stories are ranked by distinct
outlets (two pages of one outlet are one voice), then articles, then the newest date. The
``sections`` setting weighs the section in: it lists bands of sections in the order they come
("world+middle-east" is one band, ranked together by reach), each with an optional cap
("sport:3": at most three sport stories in the issue); a section it does not name is left out
of the issue and kept on the site. ``other`` stands for the stories of no known section.

Reach chooses what the issue carries and the bands order it: were the bands to choose, a busy
day's first band would fill the whole issue with its one-outlet stories before the second
band's biggest event got a line. The bands are in the order the reader wants them, so when the
places are handed out a story counts one outlet fewer for each band before its own, two at most
(MAX_HANDICAP): with the default, a film four outlets reviewed counts as three beside the news.
The editors who chose the ten leads of each labelled day (benchmarks/data/topics) led with news
value, not sport by popularity: none of their 200 leads is a match. So for the full stories
the sports pages count one outlet fewer again, wherever their band stands (ROUTINE): every
outlet's sports desk reports the same fixtures, so the outlets of a match are the calendar's,
not the editors' judgement that a news story's outlets are. With the default a match counts
three outlets fewer there: a derby every outlet covered ranks among the news of two outlets, by
its number of reports, and a friendly that four outlets previewed does not take a full place
from an event two outlets reported. Over the twenty labelled days, with sport two outlets fewer
eight sports stories held places among the first twelve and 171 of the 200 leads were there;
with three, one (a Champions League tie all five outlets reported, 11 reports) and 176. The
lines of "Also reported" are handed out without it, so the day's big matches keep theirs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from digest.news import ALSO_REPORTED, FULL, SITE_ONLY, Story
from digest.stories.sections import SECTIONS, most_common

OTHER = "other"
"""The name the sections setting gives to stories no label or URL placed."""
NAMES = (*SECTIONS, OTHER)

DEFAULT_SECTIONS = (
    "world+middle-east+politics+economy+technology+science+health+environment+other",
    "culture+opinion",
    "sport",
)
"""News first, ranked together by reach; then culture and opinion; sport after everything."""
DEFAULT_STORIES = 12
DEFAULT_ALSO_REPORTED = 30
MAX_HANDICAP = 2
"""The most outlets a later band's story counts fewer: with six bands listed one by one
(`middle-east, world, economy, technology, culture, sport:3`) the sixth still gets the places
a story of two outlets more than the news earns, rather than none."""
ROUTINE = {"sport": 1}
"""Sections whose stories count further outlets fewer for the full places, whatever band they
are in."""


@dataclass(frozen=True)
class Band:
    """Sections ranked together, and how many of their stories the issue may carry at most."""

    names: tuple[str, ...]
    cap: int | None = None


@dataclass(frozen=True)
class Plan:
    """The bands in the order their stories come."""

    bands: tuple[Band, ...]

    def band(self, section: str | None) -> int | None:
        name = section or OTHER
        return next((i for i, band in enumerate(self.bands) if name in band.names), None)

    def position(self, section: str | None) -> int:
        """Where the section is listed at all: breaks ties within a band."""
        name = section or OTHER
        listed = [n for band in self.bands for n in band.names]
        return listed.index(name) if name in listed else len(listed)


def parse(entries: Sequence[str]) -> Plan:
    """The plan a sections setting describes; ValueError saying what is wrong otherwise."""
    if not entries:
        raise ValueError("name at least one section (the stories of the others stay on the site)")
    bands, seen = [], set()
    for entry in entries:
        text, _, cap_text = entry.strip().partition(":")
        names = tuple(name.strip().lower() for name in text.split("+"))
        for name in names:
            if name not in NAMES:
                raise ValueError(f"unknown section {name!r}; the sections are {', '.join(NAMES)}")
            if name in seen:
                raise ValueError(f"{name!r} is listed twice")
            seen.add(name)
        cap = None
        if cap_text:
            if not cap_text.strip().isdigit() or int(cap_text) < 1:
                raise ValueError(
                    f"{entry!r}: after the colon comes the most stories of the section, a whole "
                    "number of at least 1 (leave a section out to carry none)"
                )
            cap = int(cap_text)
        bands.append(Band(names, cap))
    return Plan(tuple(bands))


DEFAULT_PLAN = parse(DEFAULT_SECTIONS)


def section(story: Story) -> str | None:
    return most_common([a.section for a in story.articles])


def outlets(story: Story) -> int:
    return len({a.source for a in story.articles if a.source})


def newest(story: Story) -> dt.date:
    return max((a.published for a in story.articles if a.published), default=dt.date.min)


def reach(story: Story) -> tuple[int, int, int]:
    """Distinct outlets, then articles, then the newest date: more of each ranks first."""
    return (-outlets(story), -len(story.articles), -newest(story).toordinal())


def weighed(story: Story, band: int, routine: bool) -> tuple[int, int, int]:
    """reach() with a story counting one outlet fewer for each band before its own, at most
    MAX_HANDICAP fewer, and with ``routine`` ROUTINE's more for its section."""
    others, articles, date = reach(story)
    handicap = min(band, MAX_HANDICAP) + (ROUTINE.get(section(story) or OTHER, 0) if routine else 0)
    return (others + handicap, articles, date)


def rank(
    stories: Sequence[Story],
    plan: Plan = DEFAULT_PLAN,
    full: int = DEFAULT_STORIES,
    also_reported: int = DEFAULT_ALSO_REPORTED,
) -> list[tuple[Story, str]]:
    """Each story with its place, in issue order.

    What the issue carries is chosen by reach (weighed(): one outlet fewer for each band before
    a story's own; a tie goes to the band listed first), so the events most outlets cover most
    are in it whatever their section: the first ``full`` stories in full, with the sports pages
    one outlet fewer again (ROUTINE: a match is no lead), then the next ``also_reported`` a line
    each, without that (a match five outlets reported is a line of the list), the rest on the
    site only. A band's cap and an unlisted section send a story to the site whatever its reach.
    Then each place is ordered by band and, within a band, by reach: news first, sport after it.
    """

    def band(story: Story) -> int:
        found = plan.band(section(story))
        return len(plan.bands) if found is None else found

    def tie(story: Story) -> tuple[int, int]:
        return band(story), plan.position(section(story))

    def by(routine: bool) -> list[int]:
        return sorted(
            range(len(stories)),
            key=lambda i: (*weighed(stories[i], band(stories[i]), routine), *tie(stories[i])),
        )

    taken = [0] * len(plan.bands)
    place_of: dict[int, str] = {}
    for places, routine, count in ((FULL, True, full), (ALSO_REPORTED, False, also_reported)):
        given = 0
        for i in by(routine):
            if given == count:
                break
            where = band(stories[i])
            if i in place_of or where == len(plan.bands) or taken[where] == plan.bands[where].cap:
                continue
            taken[where] += 1
            place_of[i] = places
            given += 1
    placed = [(story, place_of.get(i, SITE_ONLY)) for i, story in enumerate(stories)]
    order = (FULL, ALSO_REPORTED, SITE_ONLY)
    return sorted(
        placed,
        key=lambda item: (order.index(item[1]), band(item[0]), *reach(item[0]), tie(item[0])[1]),
    )


def by_reach(stories: Sequence[Story], plan: Plan = DEFAULT_PLAN) -> list[Story]:
    """The stories in the order the default cut puts them in an issue: its full stories
    first (the first ``DEFAULT_STORIES``), then the also-reported ones, then the rest."""
    return [story for story, _ in rank(stories, plan)]
