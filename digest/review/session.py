"""The review session `digest review` serves: the issue folder it names, read and checked before
a port is opened, with the editor, templates, state and site settings a save publishes with
(the same a build would use, so a saved issue is the issue a rebuild would make)."""

from __future__ import annotations

import datetime as dt

from digest.publish import archive, render
from digest.review.edits import Review
from digest.settings import Settings
from digest.state.store import Store


def open_review(settings: Settings, date: dt.date | None) -> Review:
    """The review of the issue of ``date`` (None: the newest) under ``settings.build.out``; a
    SiteError, before anything is served, when it is missing or not an issue."""
    folder = archive.find(settings.build.out, date)
    archive.read(folder)
    return Review(
        folder=folder,
        editor=settings.review.editor,
        env=render.environment(settings.build.templates),
        store=Store(settings.state),
        site_url=settings.build.site_url,
        search=settings.build.search,
        unapproved=settings.review.unapproved if settings.review.required else None,
    )
