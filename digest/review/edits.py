"""The edit model of `digest review`: an issue on disk, its lines by stable id, and the changes
an editor makes to it (edit a line's English, resolve a flag, drop a story or a bullet, reorder
the stories, approve). No web here: digest/review/web.py serves this over HTTP.

Ids survive reorders and drops: a story's is its own ``StoryDigest.id`` (from its articles), a
line's is the story's id, ``h`` (headline) or ``b`` (bullet), and a hash of the line's Arabic,
which no edit changes.

The version is a hash of issue.json as it is on disk. Every change names the version it was made
against; any other save since (another window, a rebuild of the date) has changed the file and
so the version, and the change is refused (Stale) instead of overwriting it. The check is made
again under the site's lock, just before anything is written.

A save is a publish, as a build's is (site.publish under the output folder's lock): the issue
folder with every format is written beside the old one and swapped in whole, then the site index,
feed and search index. It is the only write, so a process killed during a save leaves the issue
as it was before the save or after it. Any change after an approval withdraws it: mail sends only
what was approved.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import sqlite3
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import jinja2

from digest.errors import DigestError, ReviewError, first_line
from digest.news import Approval, Bilingual, Dropped, Edit, Issue, StoryDigest
from digest.publish import archive, site
from digest.publish.render import one_line, readable
from digest.sanitise import clean, is_blank
from digest.state.rows import stamp
from digest.state.store import Store


class UnknownId(ReviewError):
    """No story or line has this id (it was dropped, or the issue was rebuilt)."""


class BadChange(ReviewError):
    """A change that would leave the issue wrong: an empty edit, the last story or bullet."""


class NotRemembered(ReviewError):
    """The translation memory could not be written, so the issue was not saved either."""


class Stale(ReviewError):
    """The issue changed since the version the change was made against."""


EDIT_RATIO = 10
EDIT_FLOOR = 200


def version_of(issue_json: str) -> str:
    return hashlib.sha256(issue_json.encode("utf-8")).hexdigest()[:16]


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


@dataclass(frozen=True)
class Place:
    """Where a line is: its story's index and its bullet's (None for the headline)."""

    id: str
    story: int
    bullet: int | None
    line: Bilingual


def places(issue: Issue) -> dict[str, Place]:
    """Every line of the issue by id, headlines and bullets, in reading order."""
    found: dict[str, Place] = {}

    def add(base: str, story: int, bullet: int | None, line: Bilingual) -> None:
        key, repeat = base, 1
        while key in found:
            repeat += 1
            key = f"{base}-{repeat}"
        found[key] = Place(key, story, bullet, line)

    for number, story in enumerate(issue.stories):
        add(f"{story.id}-h{text_hash(story.headline.ar)}", number, None, story.headline)
        for index, bullet in enumerate(story.bullets):
            add(f"{story.id}-b{text_hash(bullet.line.ar)}", number, index, bullet.line)
    return found


def place(issue: Issue, line_id: str) -> Place:
    try:
        return places(issue)[line_id]
    except KeyError:
        raise UnknownId(f"no line {line_id!r} in the issue of {issue.date}; reload it") from None


def story_index(issue: Issue, story_id: str) -> int:
    for number, story in enumerate(issue.stories):
        if story.id == story_id:
            return number
    raise UnknownId(f"no story {story_id!r} in the issue of {issue.date}; reload it")


def machine(line: Bilingual) -> str | None:
    """The English the model gave, whatever was done to the line since."""
    return line.edit.machine if line.edit else line.en


def flag(line: Bilingual) -> str | None:
    """Why the line was flagged when the model gave it, resolved or not."""
    return line.edit.flag if line.edit else line.review


def with_line(issue: Issue, where: Place, line: Bilingual) -> Issue:
    story = issue.stories[where.story]
    if where.bullet is None:
        changed = replace(story, headline=line)
    else:
        bullets = list(story.bullets)
        bullets[where.bullet] = replace(bullets[where.bullet], line=line)
        changed = replace(story, bullets=tuple(bullets))
    return with_story(issue, where.story, changed)


def with_story(issue: Issue, index: int, story: StoryDigest) -> Issue:
    stories = list(issue.stories)
    stories[index] = story
    return replace(issue, stories=tuple(stories))


def longest_edit(ar: str) -> int:
    """The longest English an editor may give ``ar``: ten times its characters, and at least
    EDIT_FLOOR. A translation is rarely more than three times its source; ten leaves room for
    an editor's gloss, while a pasted page (a 1 MB edit became a 2 MB mail) is refused."""
    return max(EDIT_RATIO * len(ar), EDIT_FLOOR)


def edited(issue: Issue, line_id: str, english: str, by: str, at: str) -> Issue:
    """The line's English replaced by the editor's, the machine's kept beside it."""
    if issue.signature.model is None:
        raise BadChange(
            "this issue was built without translation (--no-translate): there is no English to "
            "correct; build the date with a model to review its English"
        )
    if is_blank(english):
        raise BadChange("an empty edit: write the English, or leave the line as it is")
    text = one_line(clean(english))
    where = place(issue, line_id)
    line = where.line
    if len(text) > longest_edit(line.ar):
        raise BadChange(
            f"an edit of {len(text)} characters for an Arabic line of {len(line.ar)}: an English "
            f"line is at most {longest_edit(line.ar)} (ten times its Arabic); shorten it"
        )
    if text == line.en and line.review is None:
        return issue
    edit = Edit(machine=machine(line), flag=flag(line), by=by, at=at)
    return with_line(issue, where, Bilingual(ar=line.ar, en=text, review=None, edit=edit))


def resolved(issue: Issue, line_id: str, by: str, at: str) -> Issue:
    """The line's flag marked resolved with its English as it is."""
    where = place(issue, line_id)
    line = where.line
    if line.review is None:
        raise BadChange(f"line {line_id!r} has no flag to resolve")
    edit = Edit(machine=machine(line), flag=line.review, by=by, at=at)
    return with_line(issue, where, replace(line, review=None, edit=edit))


def without_story(issue: Issue, story_id: str, by: str, at: str) -> Issue:
    index = story_index(issue, story_id)
    if len(issue.stories) == 1:
        raise BadChange("the issue's only story cannot be dropped")
    story = issue.stories[index]
    record = Dropped(story.id, readable(story.headline), None, by, at)
    return replace(
        issue,
        stories=issue.stories[:index] + issue.stories[index + 1 :],
        dropped=(*issue.dropped, record),
    )


def without_bullet(issue: Issue, line_id: str, by: str, at: str) -> Issue:
    where = place(issue, line_id)
    if where.bullet is None:
        raise BadChange("a headline cannot be dropped alone; drop its story instead")
    story = issue.stories[where.story]
    if len(story.bullets) == 1:
        raise BadChange("the story's only bullet cannot be dropped; drop the story instead")
    record = Dropped(story.id, readable(story.headline), where.line.ar, by, at)
    changed = replace(
        story, bullets=story.bullets[: where.bullet] + story.bullets[where.bullet + 1 :]
    )
    return replace(with_story(issue, where.story, changed), dropped=(*issue.dropped, record))


def reordered(issue: Issue, order: Sequence[str]) -> Issue:
    """The stories in the given order of ids, which must name each story once."""
    by_id = {story.id: story for story in issue.stories}
    if sorted(order) != sorted(by_id):
        raise BadChange("the order must name every story of the issue once; reload the issue")
    return replace(issue, stories=tuple(by_id[key] for key in order))


def approved(issue: Issue, by: str, at: str) -> Issue:
    return replace(
        issue,
        approval=Approval(by=by, at=at),
        signature=replace(issue.signature, reviewed_by=by),
    )


def withdrawn(issue: Issue) -> Issue:
    """The issue without its approval: what was approved is no longer what would be sent."""
    if issue.approval is None:
        return issue
    return replace(issue, approval=None, signature=replace(issue.signature, reviewed_by=None))


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Snapshot:
    issue: Issue
    version: str


@dataclass
class Review:
    """One issue folder under review, and how a save publishes it (as the build would)."""

    folder: Path
    editor: str
    env: jinja2.Environment
    store: Store
    site_url: str | None = None
    search: bool = False
    unapproved: str | None = None
    clock: Callable[[], dt.datetime] = utc_now
    saving: threading.Lock = field(default_factory=threading.Lock)

    @property
    def out(self) -> Path:
        return self.folder.parent

    def load(self) -> Snapshot:
        text = self.read()
        try:
            issue = archive.issue_from_json(text)
        except (ValueError, KeyError, TypeError) as error:
            raise ReviewError(
                f"{self.folder / archive.ISSUE_DATA} is not an issue ({error}); rebuild it"
            ) from None
        return Snapshot(issue, version_of(text))

    def read(self) -> str:
        try:
            return (self.folder / archive.ISSUE_DATA).read_text(encoding="utf-8")
        except OSError as error:
            raise ReviewError(
                f"cannot read {self.folder / archive.ISSUE_DATA}: {error.strerror}"
            ) from None

    def now(self) -> str:
        return self.clock().astimezone(dt.UTC).isoformat(timespec="seconds")

    def edit(self, version: str, line_id: str, english: str) -> Snapshot:
        at = self.now()
        return self.save(version, lambda issue: edited(issue, line_id, english, self.editor, at))

    def resolve(self, version: str, line_id: str) -> Snapshot:
        at = self.now()
        return self.save(version, lambda issue: resolved(issue, line_id, self.editor, at))

    def drop_story(self, version: str, story_id: str) -> Snapshot:
        at = self.now()
        return self.save(version, lambda issue: without_story(issue, story_id, self.editor, at))

    def drop_line(self, version: str, line_id: str) -> Snapshot:
        at = self.now()
        return self.save(version, lambda issue: without_bullet(issue, line_id, self.editor, at))

    def reorder(self, version: str, order: Sequence[str]) -> Snapshot:
        return self.save(version, lambda issue: reordered(issue, order))

    def approve(self, version: str) -> Snapshot:
        at = self.now()
        return self.save(version, lambda issue: approved(issue, self.editor, at), approval=True)

    def save(
        self, version: str, change: Callable[[Issue], Issue], approval: bool = False
    ) -> Snapshot:
        """Apply ``change`` to the issue at ``version`` and publish the result; nothing is
        written when the change leaves the issue as it was.

        The translation memory is written first, under the site's lock once the version is
        checked, and the issue after it: a process killed between the two leaves the memory
        ahead of the issue (the editor's latest English, which a rebuild then applies), never
        behind it, where a rebuild would silently undo the correction just published. A publish
        that fails (an unwritable folder) puts the memory back as it was: nothing changes."""
        with self.saving:
            current = self.load()
            self.expect(version, current.version)
            issue = change(current.issue)
            if issue == current.issue:
                return current
            if not approval:
                issue = withdrawn(issue)
            undo: list[Callable[[], None]] = []

            def before_writing() -> None:
                self.expect(version, version_of(self.read()))
                undo.append(self.remember(current.issue, issue))

            try:
                site.publish(
                    self.out,
                    issue,
                    self.env,
                    self.site_url,
                    search=self.search,
                    check=before_writing,
                )
            except Exception:
                for restore in undo:
                    restore()
                raise
            return Snapshot(issue, version_of(archive.issue_to_json(issue)))

    def expect(self, version: str, actual: str) -> None:
        if version != actual:
            raise Stale(
                f"the issue changed since you loaded it (version {version}, now {actual}): "
                "reload it and make the change again"
            )

    def mail(self, issue_date: dt.date) -> dict[str, Any] | None:
        """Where the issue's mail stands, for the editor: None unless mail waits for review
        (``review = true``, when ``unapproved`` says what its deadline does); else when it was
        held, its deadline, and the outcome once there is one (digest/runs/holding.py)."""
        if self.unapproved is None:
            return None
        from digest.runs import holding

        hold = holding.find(self.store, issue_date)
        return {
            "held": stamp(hold.held) if hold else None,
            "deadline": stamp(hold.deadline) if hold and hold.deadline else None,
            "unapproved": self.unapproved,
            "outcome": hold.outcome if hold else None,
        }

    def remember(self, before: Issue, after: Issue) -> Callable[[], None]:
        """Every correction of the issue goes into the translation memory, so a later build
        that meets the same Arabic uses it: all of them at each save (the latest edit wins, so
        this is harmless, and one the memory could not take last time is taken now), and a line
        set back to the machine's English takes its correction out of the memory again.

        Returns what puts the memory back as it was, for a publish that fails after it."""
        model = after.signature.model
        if model is None:
            return lambda: None
        from digest.translate import memory

        old = {key: where.line for key, where in places(before).items()}
        lines = {key: where.line for key, where in places(after).items()}
        corrections, forgotten = [], []
        for key, line in lines.items():
            if line.edit is None or line.en is None or line.edit.memory:
                continue
            if line.en != line.edit.machine:
                corrections.append((line.ar, line.en, line.edit.by, line.edit.at))
            elif old.get(key) != line:
                forgotten.append(line.ar)
        sentences = [line.ar for line in lines.values()]
        try:
            kept = memory.held(self.store, model, sentences)
        except (sqlite3.Error, DigestError) as error:
            raise self.not_remembered(error) from None

        def undo() -> None:
            memory.restore(self.store, model, sentences, kept)

        try:
            for ar in forgotten:
                memory.forget(self.store, model, ar)
            memory.remember_all(self.store, model, corrections)
        except (sqlite3.Error, ValueError, DigestError) as error:
            with contextlib.suppress(sqlite3.Error, DigestError):
                undo()
            raise self.not_remembered(error) from None
        return undo

    @staticmethod
    def not_remembered(error: Exception) -> NotRemembered:
        return NotRemembered(
            f"nothing was saved: the translation memory could not keep the issue's "
            f"corrections ({first_line(error)}); save again to retry"
        )

    def suggestions(self, issue: Issue) -> dict[str, Any]:
        """What the memory offers for the issue's lines, by Arabic (``memory.suggestions``)."""
        model = issue.signature.model
        if model is None:
            return {}
        from digest.translate import memory

        lines = [where.line for where in places(issue).values()]
        try:
            found = memory.suggestions(self.store, model, lines)
        except (sqlite3.Error, DigestError):
            return {}
        return {ar: {"en": kept.en, "by": kept.by, "at": kept.at} for ar, kept in found.items()}


def as_json(
    snapshot: Snapshot,
    editor: str,
    mail: dict[str, Any] | None = None,
    suggested: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The issue as the review page and the API give it: each story and line with its id, what
    the memory suggests for it (``Review.suggestions``), and where its mail stands
    (``Review.mail``)."""
    issue = snapshot.issue
    suggested = suggested or {}
    found = places(issue)
    ids = {(where.story, where.bullet): key for key, where in found.items()}

    def line(story: int, bullet: int | None, text: Bilingual) -> dict[str, Any]:
        return {
            "id": ids[(story, bullet)],
            "kind": "headline" if bullet is None else "bullet",
            "ar": text.ar,
            "en": text.en,
            "machine": machine(text),
            "flag": text.review,
            "edit": dataclasses.asdict(text.edit) if text.edit else None,
            "suggestion": suggested.get(text.ar),
        }

    return {
        "version": snapshot.version,
        "date": issue.date.isoformat(),
        "title": issue.title,
        "editor": editor,
        "signature": str(issue.signature),
        "translated": issue.signature.model is not None,
        "approval": dataclasses.asdict(issue.approval) if issue.approval else None,
        "mail": mail,
        "flags": sum(1 for where in found.values() if where.line.review),
        "stories": [
            {
                "id": story.id,
                "headline": line(number, None, story.headline),
                "bullets": [
                    {
                        **line(number, index, bullet.line),
                        "source": bullet.source,
                        "also": list(bullet.also),
                    }
                    for index, bullet in enumerate(story.bullets)
                ],
                "sources": [
                    {
                        "name": ref.name,
                        "url": ref.url,
                        "published": ref.published.isoformat() if ref.published else None,
                    }
                    for ref in story.sources
                ],
            }
            for number, story in enumerate(issue.stories)
        ],
        "dropped": [dataclasses.asdict(item) for item in issue.dropped],
    }
