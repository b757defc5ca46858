"""`digest run` as a library call (digest/runs/daily.py) and the review session it is checked
with (digest/review/session.py), without a subprocess: today's issue in the schedule's zone,
held, and the issues approved since sent even when today's build fails."""

import dataclasses
import datetime as dt
import shutil
from zoneinfo import ZoneInfo

import pytest

from digest.errors import SiteError, SourceError
from digest.review.session import open_review
from digest.runs import daily, holding
from digest.settings import ScheduleSettings
from tests.mailserver import smtp_server
from tests.test_review_gate import READERS, approve, loaded, newsroom, state  # noqa: F401

UTC = dt.UTC


def test_a_run_builds_today_in_the_schedules_zone_and_holds_it(newsroom):  # noqa: F811
    """23:30 UTC on 29 November is already 30 November in Riyadh (UTC+3)."""
    with smtp_server() as (server, box):
        settings = loaded(newsroom(server.port))
        riyadh = ScheduleSettings(cron="0 7 * * *", timezone=ZoneInfo("Asia/Riyadh"))
        settings = dataclasses.replace(settings, schedule=riyadh)
        at = dt.datetime(2026, 11, 29, 23, 30, tzinfo=UTC)
        outcome = daily.run(settings, state(), clock=lambda: at)
        assert outcome.issue_date == dt.date(2026, 11, 30) and outcome.status == "held"
        assert outcome.folder.name == "2026-11-30" and box.received == []
        assert holding.find(state(), outcome.issue_date).held == at


def test_a_failed_run_still_sends_what_was_approved_since(newsroom, tmp_path):  # noqa: F811
    with smtp_server() as (server, box):
        settings = loaded(newsroom(server.port))
        first = daily.run(settings, state(), clock=lambda: dt.datetime(2026, 11, 30, 7, tzinfo=UTC))
        approve(first.folder)
        shutil.rmtree(tmp_path / "articles")
        (tmp_path / "articles").mkdir()
        with pytest.raises(SourceError, match="no article could be read"):
            daily.run(settings, state(), clock=lambda: dt.datetime(2026, 12, 1, 7, tzinfo=UTC))
        assert sorted(r.recipients[0] for r in box.received) == READERS
        assert holding.find(state(), first.issue_date).outcome == holding.SENT


def test_a_review_session_carries_the_settings_a_build_would_use(newsroom, tmp_path):  # noqa: F811
    settings = loaded(newsroom(25))
    with pytest.raises(SiteError, match="no issue under"):
        open_review(settings, None)
    with smtp_server() as (server, _):
        outcome = daily.run(
            loaded(newsroom(server.port)),
            state(),
            clock=lambda: dt.datetime(2026, 11, 30, 7, tzinfo=UTC),
        )
    session = open_review(settings, None)
    assert session.folder == outcome.folder and session.editor == "Rana"
    assert session.search is False and session.unapproved == settings.review.unapproved
    assert session.load().issue.date == dt.date(2026, 11, 30)
    (outcome.folder / "issue.json").write_text("{}", encoding="utf-8")
    with pytest.raises(SiteError, match="issue.json is not an issue"):
        open_review(settings, dt.date(2026, 11, 30))
