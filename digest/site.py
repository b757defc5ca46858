"""The static site under the output folder: issue folders, the index page, the Atom feed, assets.

The issue folders themselves, with the ``issue.json`` each was rendered from, are
digest/archive.py's. The index and the feed are rebuilt from those files after each build, so a
site built over many days lists every issue on disk, not only this run's, and an older issue
folder is never rewritten. No clock is read: the feed's timestamps are the issue dates.

Everything is rendered before anything is written, so a template error leaves the site as it
was. The index, feed and assets are each written to a temporary file and renamed over the old
one, so a reader (or a web server) never sees a half-written file or a mix of two builds.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import jinja2

from digest import archive, render
from digest.errors import UsageError
from digest.news import Issue


@dataclass(frozen=True)
class Published:
    """What a publish wrote: the issue's folder, and why the search index was not built if not."""

    folder: Path
    search_error: str | None = None


def publish(
    out: Path,
    issue: Issue,
    env: jinja2.Environment,
    site_url: str | None = None,
    search: bool = False,
) -> Published:
    """Write the issue's folder, then the pages, feed, assets and search index that list it.

    The issue pages either side of it are rendered again when their previous/next link changes
    (only their index.html; their data, Markdown and text stay as they were).
    """
    issues = [issue, *(past for past in archive.read_archive(out) if past.date != issue.date)]
    issues.sort(key=lambda i: i.date, reverse=True)
    place = issues.index(issue)
    newer = issues[place - 1] if place > 0 else None
    older = issues[place + 1] if place + 1 < len(issues) else None
    files = {
        **render.render(issue, env, site_url, older=dated(older), newer=dated(newer)),
        archive.ISSUE_DATA: archive.issue_to_json(issue),
    }
    neighbours = {
        past.date: render.render_page(past, env, site_url, older=dated(after), newer=dated(before))
        for before, past, after in [
            (issue, older, issues[place + 2] if place + 2 < len(issues) else None),
            (issues[place - 2] if place > 1 else None, newer, issue),
        ]
        if past is not None
    }
    pages = render.render_site(issues, env, search=search)
    assets = render.render_assets(env, search=search)

    folder = archive.write_issue(out, issue.date, files)
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
