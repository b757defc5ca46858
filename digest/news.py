"""The things that pass between stages: frozen, so no stage can quietly change another's data."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

UNKNOWN_OUTLET = "unknown outlet"
DEFAULT_BULLETS = 4
UNKNOWN_OUTLET_AR = "مصدر غير معروف"
FULL, ALSO_REPORTED, SITE_ONLY = "full", "also", "site"
"""Where a story stands in its issue: in full (headline and bullets), one line under "Also
reported", or only on the site's issue page (its Arabic headline), counted in the others."""


@dataclass(frozen=True)
class Article:
    """One news article as ingestion found it; ``paragraphs`` hold body text only.

    ``warnings`` say what ingestion was unsure of, ``encoding`` how the bytes were read and
    ``source_from`` where the outlet's name was found (digest/stories/outlets.py), for `digest inspect`.
    ``source`` is None when nothing names the outlet. ``section`` is one of
    digest/stories/sections.py's canonical names, or None when neither the outlet's label nor
    the URL places the article.
    """

    id: str
    origin: str
    paragraphs: tuple[str, ...]
    title: str | None = None
    source: str | None = None
    url: str | None = None
    published: dt.date | None = None
    related: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    encoding: str | None = None
    source_from: str | None = None
    section: str | None = None

    @property
    def source_name(self) -> str:
        """The outlet as readers see it; never a file name, which names no outlet."""
        return self.source or UNKNOWN_OUTLET


@dataclass(frozen=True)
class Sentence:
    """A body sentence with its place in the article, so selections keep document order.

    ``article`` is the id of the article it came from, once a story pools several; ``echoes``
    the ids of the story's other articles that say the same (the same sentence, or one nearly
    word for word), so a bullet can name every outlet that reported it.
    """

    text: str
    position: int
    paragraph: int
    article: str = ""
    echoes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Story:
    """One event, told by one or more articles. ``tracked`` holds the ids of the articles that
    joined it only by tracking (digest/stories/cluster.py): the least sure of its reports, listed
    among its sources but given no line of its own (digest/stories/summarise.py)."""

    articles: tuple[Article, ...]
    tracked: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Summary:
    """The Arabic headline and bullets chosen for a story, bullets in reading order (document
    order for one article; for several, digest/stories/summarise.py in_reading_order).

    ``headline_position`` is the position of the sentence the headline came from (in the first
    bullet's article for a pooled story), or None when it is an article's own title. When the
    headline is that sentence shortened, the whole sentence is among the bullets.
    """

    headline: str
    headline_position: int | None
    bullets: tuple[Sentence, ...]


@dataclass(frozen=True)
class Edit:
    """A person's word on a machine line, kept beside it so the correction can be checked.

    ``machine`` is the English the model gave and ``flag`` the reason the line was flagged
    for review, if it was; ``by`` is the editor's name and ``at`` when (ISO 8601, UTC).
    An Edit whose line English equals ``machine`` marks a flag resolved without a change.
    ``memory`` is True when a build took the English from the translation memory (an edit
    made in an earlier issue) rather than from an edit of this issue.
    """

    machine: str | None
    flag: str | None
    by: str
    at: str
    memory: bool = False


@dataclass(frozen=True)
class Bilingual:
    """An Arabic line and its English translation.

    ``en`` is None when translation was off; ``review`` says why a person should check the
    English before trusting it; ``edit`` is set when a person corrected the English or
    resolved its flag (``en`` is then the person's English, and ``review`` None).
    """

    ar: str
    en: str | None
    review: str | None = None
    edit: Edit | None = None


@dataclass(frozen=True)
class SourceRef:
    """Where a story was reported: shown to readers so they can check the original."""

    name: str
    url: str | None
    published: dt.date | None


@dataclass(frozen=True)
class Bullet:
    """One bullet of a story: ``source`` is the outlet its Arabic sentence comes from, ``also``
    the other outlets that reported the same, so one fact told three times is one bullet."""

    line: Bilingual
    source: str
    also: tuple[str, ...] = ()

    @property
    def outlets(self) -> tuple[str, ...]:
        return (self.source, *self.also)


@dataclass(frozen=True)
class StoryDigest:
    """A story as the reader sees it.

    ``id`` is the story's anchor in its issue page (``#s-…``), derived from its articles' ids
    so that a link to the story survives a rebuild that reorders the stories. A story made
    without article ids (an issue.json written before ids existed, a hand-made issue) gets one
    derived from its Arabic headline instead. ``section`` is the story's section (None: no known
    one) and ``place`` FULL, ALSO_REPORTED or SITE_ONLY; an issue.json from before either
    existed has every story in full.
    """

    headline: Bilingual
    bullets: tuple[Bullet, ...]
    sources: tuple[SourceRef, ...]
    id: str = ""
    section: str | None = None
    place: str = FULL

    def __post_init__(self) -> None:
        if not self.id:
            object.__setattr__(self, "id", story_id([self.headline.ar]))

    @property
    def outlet_count(self) -> int:
        """How many outlets report the story: distinct known ones, so two pages of one outlet
        or articles nothing names do not make a story look more widely reported than it is."""
        return len({s.name for s in self.sources if s.name != UNKNOWN_OUTLET})

    @property
    def outlets(self) -> tuple[str, ...]:
        """The outlets that report the story, each once, in the order of its sources."""
        return tuple(dict.fromkeys(s.name for s in self.sources))


def story_id(keys: Iterable[str]) -> str:
    """A short anchor that depends only on the set of keys, never on their order or position."""
    digest = hashlib.sha256("\n".join(sorted(set(keys))).encode("utf-8")).hexdigest()
    return f"s-{digest[:10]}"


@dataclass(frozen=True)
class Signature:
    """What made an issue, printed in every output so results can be traced and reproduced."""

    version: str
    model: str | None
    model_id: str | None
    revision: str | None
    backend: str
    summariser: str
    reviewed_by: str | None = None

    def __str__(self) -> str:
        parts = [f"digest:{self.version}"]
        if self.model is None:
            parts.append("translation:off")
        else:
            parts += [
                f"model:{self.model}",
                f"id:{self.model_id}",
                f"rev:{self.revision}",
                f"backend:{self.backend}",
            ]
        parts.append(f"summary:{self.summariser}")
        if self.reviewed_by is not None:
            parts.append(f"reviewed:{self.reviewed_by}")
        return "|".join(parts)


@dataclass(frozen=True)
class Approval:
    """An editor's approval of an issue for sending (``digest review``); ``at`` is ISO 8601, UTC."""

    by: str
    at: str


@dataclass(frozen=True)
class Dropped:
    """A story or bullet an editor took out of an issue (`digest review`), kept so the issue
    says what its readers were not shown and who decided.

    ``story`` is the story's id and ``headline`` its headline as readers saw it; ``line`` is the
    Arabic of the dropped bullet, or None when the whole story was dropped.
    """

    story: str
    headline: str
    line: str | None
    by: str
    at: str


@dataclass(frozen=True)
class Issue:
    """One newsletter issue, ready to render.

    ``approval`` is None until an editor approves the issue; with ``review = true`` mail waits
    for it. ``dropped`` records what an editor took out.
    """

    date: dt.date
    title: str
    stories: tuple[StoryDigest, ...]
    signature: Signature
    approval: Approval | None = None
    dropped: tuple[Dropped, ...] = ()

    @property
    def full(self) -> tuple[StoryDigest, ...]:
        """The stories told in full, in issue order."""
        return tuple(s for s in self.stories if s.place == FULL)

    @property
    def also_reported(self) -> tuple[tuple[str | None, tuple[StoryDigest, ...]], ...]:
        """The one-line stories grouped by section, the sections in the order their first
        story comes and the stories in issue order within each."""
        return grouped(s for s in self.stories if s.place == ALSO_REPORTED)

    @property
    def site_only(self) -> tuple[tuple[str | None, tuple[StoryDigest, ...]], ...]:
        """The stories only the site's issue page lists, grouped as ``also_reported``."""
        return grouped(s for s in self.stories if s.place == SITE_ONLY)

    @property
    def site_only_count(self) -> int:
        return sum(s.place == SITE_ONLY for s in self.stories)

    @property
    def subject(self) -> str:
        """The page title and the email Subject: one wording for both."""
        return f"{self.title} · {self.date.isoformat()}"


def grouped(
    stories: Iterable[StoryDigest],
) -> tuple[tuple[str | None, tuple[StoryDigest, ...]], ...]:
    groups: dict[str | None, list[StoryDigest]] = {}
    for story in stories:
        groups.setdefault(story.section, []).append(story)
    return tuple((name, tuple(members)) for name, members in groups.items())


@dataclass(frozen=True)
class Failure:
    """An input that could not be used, and why; reported, never silently dropped."""

    origin: str
    reason: str
