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

import os
import tempfile
from pathlib import Path

import jinja2

from digest import archive, render
from digest.errors import UsageError
from digest.news import Issue


def publish(out: Path, issue: Issue, env: jinja2.Environment, site_url: str | None = None) -> Path:
    """Write the issue's folder, then the index, feed and assets that list it with the others."""
    files = {
        **render.render(issue, env, site_url),
        archive.ISSUE_DATA: archive.issue_to_json(issue),
    }
    issues = [issue, *(past for past in archive.read_archive(out) if past.date != issue.date)]
    issues.sort(key=lambda i: i.date, reverse=True)
    pages = render.render_site(issues, env)
    assets = render.render_assets(env)

    folder = archive.write_issue(out, issue.date, files)
    try:
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
    return folder


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
