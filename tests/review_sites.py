"""A built site with an issue to review: two stories on 2025-08-16 (one bullet flagged) and an
older issue, published as a build publishes them; the review session and app over it, and a
real `digest review` process serving it."""

from __future__ import annotations

import datetime as dt
import re
import signal
from dataclasses import replace
from pathlib import Path

import pytest

from digest.news import Issue
from digest.publish import render, site
from digest.review import edits, web
from digest.state.store import Store
from tests.pages import flood_issue, summit_issue
from tests.spawn import digest

DAY = dt.date(2025, 8, 16)
ORIGIN = "http://testserver"
TOKEN = "the-token"
EDITOR = "Rania"
AT = dt.datetime(2025, 8, 16, 7, 30, tzinfo=dt.UTC)


def review_issue() -> Issue:
    summit = summit_issue(DAY)
    return replace(summit, stories=summit.stories + flood_issue(DAY).stories)


def publish_site(out: Path, search: bool = False) -> Path:
    env = render.environment()
    site.publish(out, flood_issue(), env, search=search)
    return site.publish(out, review_issue(), env, search=search).folder


def session(
    folder: Path, store: Store, search: bool = False, unapproved: str | None = None
) -> edits.Review:
    return edits.Review(
        folder=folder,
        editor=EDITOR,
        env=render.environment(),
        store=store,
        search=search,
        unapproved=unapproved,
        clock=lambda: AT,
    )


def client(folder: Path, store: Store, **options):
    from starlette.testclient import TestClient

    app = web.create_app(session(folder, store, **options), TOKEN, ORIGIN)
    return TestClient(app, base_url=ORIGIN, headers={"Authorization": f"Bearer {TOKEN}"})


URL = re.compile(r"http://127\.0\.0\.1:(\d+)/\?token=([\w-]{40,})")


def finished(process, timeout=60):
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out, err


def started(out, *options):
    process = digest("review", "--no-browser", "--out", out, *options, env={"LOGNAME": EDITOR})
    line = process.stdout.readline().strip()
    match = URL.fullmatch(line)
    if not match:
        process.kill()
        pytest.fail(f"no URL: {line!r} {process.stderr.read()}")
    return process, line, match


def stop(process):
    process.send_signal(signal.SIGTERM)
    return finished(process)
