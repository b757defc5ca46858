"""The static site under the output folder: issue folders, the index page, the Atom feed, assets.

Every issue folder also keeps ``issue.json``, the Issue it was rendered from. The index and the
feed are rebuilt from those files after each build, so a site built over many days lists every
issue on disk, not only this run's, and an older issue folder is never rewritten. No clock is
read: the feed's timestamps are the issue dates.

Everything is rendered before anything is written, so a template error leaves the site as it
was. An issue is written into a hidden folder beside its final place and renamed into place;
the index, feed and assets are each written to a temporary file and renamed over the old one, so
a reader (or a web server) never sees a half-written file or a mix of two builds.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import jinja2

from digest import render
from digest.errors import UsageError
from digest.news import Bilingual, Bullet, Issue, Signature, SourceRef, StoryDigest

ISSUE_DATA = "issue.json"
ISSUE_DATA_FORMAT = 1

log = logging.getLogger(__name__)


def issue_to_json(issue: Issue) -> str:
    payload = {"format": ISSUE_DATA_FORMAT, "issue": dataclasses.asdict(issue)}
    return json.dumps(payload, ensure_ascii=False, indent=1, default=dt.date.isoformat) + "\n"


def issue_from_json(text: str) -> Issue:
    """The Issue an issue.json holds; ValueError, KeyError or TypeError when it is not one."""
    payload = json.loads(text)
    if payload.get("format") != ISSUE_DATA_FORMAT:
        raise ValueError(f"format {payload.get('format')!r}, expected {ISSUE_DATA_FORMAT}")
    data = payload["issue"]
    return Issue(
        date=dt.date.fromisoformat(data["date"]),
        title=data["title"],
        stories=tuple(
            StoryDigest(
                headline=Bilingual(**story["headline"]),
                bullets=tuple(
                    Bullet(Bilingual(**b["line"]), b["source"]) for b in story["bullets"]
                ),
                sources=tuple(
                    SourceRef(
                        ref["name"],
                        ref["url"],
                        dt.date.fromisoformat(ref["published"]) if ref["published"] else None,
                    )
                    for ref in story["sources"]
                ),
                id=story.get("id", ""),
            )
            for story in data["stories"]
        ),
        signature=Signature(**data["signature"]),
    )


def issue_folder_date(folder: Path) -> dt.date | None:
    try:
        return dt.date.fromisoformat(folder.name) if folder.is_dir() else None
    except ValueError:
        return None


def read_archive(out: Path) -> list[Issue]:
    """Every issue under ``out``, newest first, read back from its issue.json.

    A folder whose issue.json is missing or unreadable is left out with a warning naming it:
    the rest of the site is still built, and the folder itself is left alone.
    """
    issues = []
    folders = sorted(out.iterdir()) if out.is_dir() else []
    for folder in folders:
        date = issue_folder_date(folder)
        if date is None:
            continue
        data = folder / ISSUE_DATA
        try:
            issue = issue_from_json(data.read_text(encoding="utf-8"))
        except FileNotFoundError:
            log.warning(
                f"{folder} has no {ISSUE_DATA} (an older digest built it); rebuild that date to list it"
            )
            continue
        except (OSError, ValueError, KeyError, TypeError) as error:
            log.warning(f"{data} is unreadable ({error}); rebuild that date to list it")
            continue
        if issue.date != date:
            log.warning(
                f"{data} holds the issue of {issue.date}, not {date}; left out of the index"
            )
            continue
        issues.append(issue)
    return sorted(issues, key=lambda i: i.date, reverse=True)


@dataclass(frozen=True)
class Published:
    """What a publish wrote: the issue's folder, and why the search index was not built if not."""

    folder: Path
    search_error: str | None = None


def publish(out: Path, issue: Issue, env: jinja2.Environment, search: bool = False) -> Published:
    """Write the issue's folder, then the pages, feed, assets and search index that list it.

    The issue pages either side of it are rendered again when their previous/next link changes
    (only their index.html; their data, Markdown and text stay as they were).
    """
    issues = [issue, *(past for past in read_archive(out) if past.date != issue.date)]
    issues.sort(key=lambda i: i.date, reverse=True)
    place = issues.index(issue)
    newer = issues[place - 1] if place > 0 else None
    older = issues[place + 1] if place + 1 < len(issues) else None
    files = {
        **render.render(issue, env, older=dated(older), newer=dated(newer)),
        ISSUE_DATA: issue_to_json(issue),
    }
    neighbours = {
        past.date: render.render_page(past, env, older=dated(after), newer=dated(before))
        for before, past, after in [
            (issue, older, issues[place + 2] if place + 2 < len(issues) else None),
            (issues[place - 2] if place > 1 else None, newer, issue),
        ]
        if past is not None
    }
    pages = render.render_site(issues, env, search=search)
    assets = render.render_assets(env, search=search)

    folder = write_issue(out, issue.date, files)
    try:
        for date, page in neighbours.items():
            replace_changed(out / date.isoformat() / "index.html", page)
        (out / "assets").mkdir(exist_ok=True)
        for name, text in assets.items():
            replace_file(out / "assets" / name, text)
        for name, text in pages.items():
            replace_file(out / name, text)
    except OSError as error:
        raise UsageError(
            f"wrote {folder} but could not update the site index in {out}: {error.strerror}; "
            "fix that and build again"
        ) from None
    if not search:
        return Published(folder)
    from digest import search as site_search

    return Published(folder, site_search.index_site(out, issues))


def dated(issue: Issue | None) -> dt.date | None:
    return issue.date if issue else None


def replace_changed(path: Path, text: str) -> None:
    """Replace a file only when its text changes, so an unchanged page keeps its time stamp."""
    try:
        if path.read_text(encoding="utf-8") == text:
            return
    except FileNotFoundError:
        pass
    replace_file(path, text)


def replace_file(path: Path, text: str) -> None:
    """Write beside ``path`` and rename over it: readers see the old file or the new, whole."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_issue(out: Path, date: dt.date, files: Mapping[str, str]) -> Path:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(f"cannot create the output folder {out}: {error.strerror}") from None
    final = out / date.isoformat()
    staging = Path(tempfile.mkdtemp(prefix=f".{final.name}-", dir=out))
    try:
        for name, text in files.items():
            (staging / name).write_text(text, encoding="utf-8", newline="\n")
        os.chmod(staging, 0o755)
        if final.exists():
            retired = Path(tempfile.mkdtemp(prefix=f".{final.name}-old-", dir=out))
            final.rename(retired / final.name)
            staging.rename(final)
            shutil.rmtree(retired)
        else:
            staging.rename(final)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise UsageError(f"cannot write the issue to {final}: {error.strerror}") from None
    return final
