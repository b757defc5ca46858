"""The static site under the output folder: issue folders, the index page, the Atom feed, assets.

The issue folders themselves, with the ``issue.json`` each was rendered from, are
digest/publish/archive.py's. The index and the feed are rebuilt from those files after each build, so a
site built over many days lists every issue on disk, not only this run's, and an older issue
folder is never rewritten. No clock is read: the feed's timestamps are the issue dates.

Everything is rendered before anything is written, so a template error leaves the site as it
was. The index, feed and assets are each written to a temporary file and renamed over the old
one, so a reader (or a web server) never sees a half-written file or a mix of two builds.

Publishing holds a lock on the output folder (flock on the folder itself, so nothing is left in
the site): two builds into one
folder take turns, and each rebuilds the index and feed from the issue folders on disk under
the lock, so neither drops the other's issue. Under the lock, what a killed build left behind is
recovered first (archive.recover). The issue folder goes in before the feed and the index that
link it, so no link ever points at a missing folder.
"""

from __future__ import annotations

import datetime as dt
import errno
import logging
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import jinja2

from digest import disk
from digest.errors import SiteError
from digest.news import Issue
from digest.publish import archive, render

LOCK_WAIT_S = 120.0
# What disk.write_file names its temporary files: a killed build can leave one behind.
SITE_FILES = "|".join(
    re.escape(name)
    for name in (
        *render.SITE_OUTPUTS,
        *render.SEARCH_OUTPUTS,
        *render.ASSETS,
        *render.SEARCH_ASSETS,
    )
)
TEMPORARY = re.compile(rf"\.({SITE_FILES})-\w{{8}}")

log = logging.getLogger(__name__)


@contextmanager
def locked(out: Path, wait: float = LOCK_WAIT_S) -> Iterator[None]:
    """The output folder to this process alone, waiting up to ``wait`` seconds for another.

    A folder made here and still empty when the work fails (a template error) is removed again:
    a failed build leaves the site as it was, not an empty folder."""
    created = not out.exists()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise SiteError(f"cannot create the output folder {out}: {error.strerror}") from None
    folder = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    try:
        if not disk.take_lock(folder, wait):
            raise SiteError(
                f"another build has been publishing into {out} for over {wait:g} s "
                "(it holds a lock on the folder); let it finish, or build into "
                "another --out"
            )
        yield
    finally:
        os.close(folder)
        if created and not any(out.iterdir()):
            out.rmdir()


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
    wait: float = LOCK_WAIT_S,
    check: Callable[[], None] | None = None,
) -> Published:
    """Write the issue's folder, then the pages, feed, assets and search index that list it,
    holding the output folder's lock throughout, so two builds never interleave their writes.

    ``check`` runs under the lock before anything is written; what it raises stops the publish
    with nothing written (a review's save checks there that no build replaced the issue since
    the editor loaded it).

    The issue pages either side of it are rendered again when their previous/next link changes
    (only their index.html; their data, Markdown and text stay as they were). Everything is
    rendered before anything is written.
    """
    assets = render.render_assets(env, search=search)
    try:
        return publish_locked(out, issue, env, assets, site_url, search, wait, check)
    except OSError as error:
        raise SiteError(unwritable(out, error)) from None


def unwritable(out: Path, error: OSError) -> str:
    """The one line for an output folder that cannot be written, with the fix."""
    where = error.filename or out
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        fix = f"free space on the disk of {out}, then build again"
    elif error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        fix = f"make {out} writable by this user, or publish into another --out"
    else:
        fix = "fix that, then build again"
    return f"cannot write {where}: {error.strerror}; {fix}"


def publish_locked(
    out: Path,
    issue: Issue,
    env: jinja2.Environment,
    assets: dict[str, str],
    site_url: str | None,
    search: bool,
    wait: float,
    check: Callable[[], None] | None,
) -> Published:
    with locked(out, wait):
        for line in recover(out):
            log.warning(line)
        if check is not None:
            check()
        issues = [issue, *(past for past in archive.read_archive(out) if past.date != issue.date)]
        issues.sort(key=lambda i: i.date, reverse=True)
        place = issues.index(issue)
        newer = issues[place - 1] if place > 0 else None
        older = issues[place + 1] if place + 1 < len(issues) else None
        indexing = None
        if search:
            from digest.publish import search as site_search

            indexing = site_search.Indexing(out, issues)
        try:
            files = {
                **render.render(issue, env, site_url, older=dated(older), newer=dated(newer)),
                archive.ISSUE_DATA: archive.issue_to_json(issue),
            }
            neighbours = {
                past.date: render.render_page(
                    past, env, site_url, older=dated(after), newer=dated(before)
                )
                for before, past, after in [
                    (issue, older, issues[place + 2] if place + 2 < len(issues) else None),
                    (issues[place - 2] if place > 1 else None, newer, issue),
                ]
                if past is not None
            }
            pages = render.render_site(issues, env, search=search)
            folder = archive.write_issue(out, issue.date, files)
            write_site(out, folder, pages, assets, neighbours)
        except BaseException:
            if indexing is not None:
                indexing.abandon()
            raise
        return Published(folder, indexing.finish() if indexing is not None else None)


def recover(out: Path) -> list[str]:
    """archive.recover, search.recover, and the temporary files of a page, feed or asset never
    renamed (an issue's page is rewritten in its folder when a neighbour is added)."""
    from digest.publish import search

    done = archive.recover(out) + search.recover(out)
    issues = (
        sorted(p for p in out.iterdir() if archive.issue_folder_date(p)) if out.is_dir() else []
    )
    for folder in (out, out / "assets", *issues):
        for path in sorted(folder.iterdir()) if folder.is_dir() else []:
            if path.is_file() and TEMPORARY.fullmatch(path.name):
                path.unlink()
                done.append(f"removed {path}, left by a build that was stopped")
    return done


def write_site(
    out: Path,
    folder: Path,
    pages: dict[str, str],
    assets: dict[str, str],
    neighbours: dict[dt.date, str],
) -> None:
    """The neighbours' pages and the assets first, then the feed and the index, each renamed
    into place whole."""
    try:
        for date, page in neighbours.items():
            replace_changed(out / date.isoformat() / "index.html", page)
        modes = disk.usual_modes()
        (out / "assets").mkdir(exist_ok=True)
        (out / "assets").chmod(modes.folder)
        for name, text in assets.items():
            disk.write_file(out / "assets" / name, text, modes.file)
        for name in sorted(pages, key=lambda n: n == "index.html"):
            disk.write_file(out / name, pages[name], modes.file)
    except OSError as error:
        raise SiteError(
            f"wrote {folder} but could not update the site index in {out}: {error.strerror}; "
            "fix that and build again"
        ) from None


def dated(issue: Issue | None) -> dt.date | None:
    return issue.date if issue else None


def replace_changed(path: Path, text: str) -> None:
    """Replace a file only when its text changes, so an unchanged page keeps its time stamp."""
    try:
        if path.read_text(encoding="utf-8") == text:
            return
    except FileNotFoundError:
        pass
    disk.write_file(path, text)
