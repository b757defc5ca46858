"""Which stories lead an issue, which are a line in "Also reported", and which stay on the site.

An editor leads with the events the most outlets cover most: stories are ranked by distinct
outlets (two pages of one outlet are one voice), then articles, then the newest date. The
``sections`` setting weighs the section in: it lists bands of sections in the order they come
("world+middle-east" is one band, ranked together by reach), each with an optional cap
("sport:3": at most three sport stories in the issue); a section it does not name is left out
of the issue and kept on the site. ``other`` stands for the stories of no known section.
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


def by_reach(stories: Sequence[Story], plan: Plan = DEFAULT_PLAN) -> list[Story]:
    """The stories in issue order: by band, then distinct outlets, articles, the newest date and
    the section's place in the setting; the stories of unlisted sections last. Ties keep input
    order."""

    def rank(story: Story) -> tuple[int, int, int, int, int]:
        where = section(story)
        band = plan.band(where)
        return (
            len(plan.bands) if band is None else band,
            -outlets(story),
            -len(story.articles),
            -newest(story).toordinal(),
            plan.position(where),
        )

    return sorted(stories, key=rank)


def places(
    ranked: Sequence[Story], plan: Plan, stories: int, also_reported: int
) -> tuple[str, ...]:
    """Each ranked story's place: the first ``stories`` in full, the next ``also_reported`` a
    line each, the rest on the site only; a band's cap and an unlisted section send a story to
    the site whatever its rank."""
    taken = [0] * len(plan.bands)
    shown = 0
    found = []
    for story in ranked:
        band = plan.band(section(story))
        if band is None or taken[band] == plan.bands[band].cap:
            found.append(SITE_ONLY)
            continue
        taken[band] += 1
        found.append(
            FULL
            if shown < stories
            else ALSO_REPORTED
            if shown < stories + also_reported
            else SITE_ONLY
        )
        shown += 1
    return tuple(found)
