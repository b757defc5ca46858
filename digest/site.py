"""The static site under the output folder: issue folders, the index page, the Atom feed, assets.

The issue folders themselves, with the ``issue.json`` each was rendered from, are
digest/archive.py's. The index and the feed are rebuilt from those files after each build, so a
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

import fcntl
import logging
import os
import re
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import jinja2

from digest import archive, render
from digest.errors import UsageError
from digest.news import Issue

LOCK_WAIT_S = 120.0
LOCK_POLL_S = 0.1
# What replace_file names its temporary files: a killed build can leave one behind.
SITE_FILES = "|".join(re.escape(name) for name in (*render.SITE_OUTPUTS, *render.ASSETS))
TEMPORARY = re.compile(rf"\.({SITE_FILES})-\w{{8}}")

log = logging.getLogger(__name__)


@contextmanager
def locked(out: Path, wait: float = LOCK_WAIT_S) -> Iterator[None]:
    """The output folder to this process alone, waiting up to ``wait`` seconds for another."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(f"cannot create the output folder {out}: {error.strerror}") from None
    folder = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    try:
        waited_until = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(folder, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= waited_until:
                    raise UsageError(
                        f"another build has been publishing into {out} for over {wait:g} s "
                        "(it holds a lock on the folder); let it finish, or build into "
                        "another --out"
                    ) from None
                time.sleep(LOCK_POLL_S)
        yield
    finally:
        os.close(folder)


def site_file_mode() -> int:
    return archive.site_modes()[0]


def publish(out: Path, issue: Issue, env: jinja2.Environment, wait: float = LOCK_WAIT_S) -> Path:
    """Write the issue's folder, then the index, feed and assets that list it with the others."""
    files = {**render.render(issue, env), archive.ISSUE_DATA: archive.issue_to_json(issue)}
    assets = render.render_assets(env)
    with locked(out, wait):
        for line in recover(out):
            log.warning(line)
        issues = [issue, *(past for past in archive.read_archive(out) if past.date != issue.date)]
        issues.sort(key=lambda i: i.date, reverse=True)
        pages = render.render_site(issues, env)
        folder = archive.write_issue(out, issue.date, files)
        write_site(out, folder, pages, assets)
    return folder


def recover(out: Path) -> list[str]:
    """archive.recover, and the temporary files of an index, feed or asset never renamed."""
    done = archive.recover(out)
    for folder in (out, out / "assets"):
        for path in sorted(folder.iterdir()) if folder.is_dir() else []:
            if path.is_file() and TEMPORARY.fullmatch(path.name):
                path.unlink()
                done.append(f"removed {path}, left by a build that was stopped")
    return done


def write_site(out: Path, folder: Path, pages: dict[str, str], assets: dict[str, str]) -> None:
    """The assets first, then the feed and the index, each renamed into place whole."""
    try:
        (out / "assets").mkdir(exist_ok=True)
        os.chmod(out / "assets", archive.site_modes()[1])
        for name, text in assets.items():
            replace_file(out / "assets" / name, text)
        for name in sorted(pages, key=lambda n: n == "index.html"):
            replace_file(out / name, pages[name])
    except OSError as error:
        raise UsageError(
            f"wrote {folder} but could not update the site index in {out}: {error.strerror}; "
            "fix that and build again"
        ) from None


def replace_file(path: Path, text: str) -> None:
    """Write beside ``path`` and rename over it: readers see the old file or the new, whole."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        os.chmod(temporary, site_file_mode())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
