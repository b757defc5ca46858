"""review = true holds the mail: `digest run` builds and holds, an approval sends once, a
deadline sends or skips, `digest send` refuses an unapproved issue; against a real SMTP server."""

import dataclasses
import datetime as dt
import logging
import os
import shutil
import signal
import time
from pathlib import Path

import pytest

from digest import configfile
from digest.errors import ConfigError
from digest.news import Approval
from digest.publish import archive
from digest.runs import holding, schedule
from digest.settings import ScheduleSettings, resolve
from digest.state.store import Store
from tests.conftest import ROOT, SEEDS
from tests.mailserver import smtp_server, write_config
from tests.spawn import digest

UTC = dt.UTC
READERS = ["a@example.org", "b@example.org"]
SCHEDULED = dt.datetime(2026, 11, 30, 7, tzinfo=UTC)


def state() -> Store:
    return Store(Path(os.environ["DIGEST_STATE"]))


@pytest.fixture
def newsroom(tmp_path):
    """The seeds as sources; ``configure(port, **top)`` writes a digest.toml with review on."""
    shutil.copytree(SEEDS, tmp_path / "articles")

    def configure(port, **top):
        mail = {
            "host": "127.0.0.1",
            "port": port,
            "security": "none",
            "from": "digest@example.org",
            "recipients": READERS,
            "unsubscribe_mailto": "unsubscribe@example.org",
            "attempts": 1,
        }
        settings = {
            "sources": ["articles"],
            "out": "site",
            "translate": False,
            "max_age": 36500,
            "search": False,
            "review": True,
            "editor": "Rana",
            **top,
        }
        timing = {"cron": "0 0 1 1 *", "timezone": "UTC"}
        return write_config(tmp_path / "digest.toml", settings, mail, timing)

    return configure


def loaded(path):
    return resolve({}, os.environ, configfile.read(path))


def approve(folder: Path, by="Rana") -> None:
    """As `digest review` does: the issue's issue.json gains an Approval."""
    issue = archive.read(folder).issue
    approved = dataclasses.replace(issue, approval=Approval(by, "2026-11-30T08:00:00+00:00"))
    (folder / archive.ISSUE_DATA).write_text(archive.issue_to_json(approved), encoding="utf-8")


def finished(process, timeout=120):
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out, err


def test_run_holds_and_an_approval_is_sent_once_at_the_next_check(newsroom, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="digest")
    with smtp_server() as (server, box):
        path = newsroom(server.port)
        code, out, err = finished(digest("run", "--config", path))
        assert code == 0, err
        (folder,) = (tmp_path / "site").glob("20*")
        day = folder.name
        assert out.splitlines() == [
            f"{folder} (built); held for review: approve it with `digest review --date {day}`"
        ]
        assert box.received == []
        held = holding.find(state(), dt.date.fromisoformat(day))
        assert (held.issue_date.isoformat(), held.folder, held.deadline) == (day, folder, None)
        assert held.outcome is None and held.held <= dt.datetime.now(UTC)

        settings = loaded(path)
        now = dt.datetime.now(UTC)
        assert schedule.check_held(settings, state(), now) == [], "nobody approved it yet"
        assert box.received == []

        approve(folder)
        (sent,) = schedule.check_held(settings, state(), now)
        assert sent.status == "sent" and sorted(r.recipients[0] for r in box.received) == READERS
        assert f"{folder} (already built); approved by Rana" in caplog.text
        assert schedule.check_held(settings, state(), now + dt.timedelta(minutes=1)) == []
        assert holding.find(state(), dt.date.fromisoformat(day)).outcome == holding.SENT

        code, out, err = finished(digest("run", "--config", path))
        assert code == 0, err
        assert "approved by Rana" in out and "0 sent now, 2 sent earlier" in out
        assert len(box.received) == 2, "never twice"


@pytest.mark.parametrize("unapproved", ["send", "skip"])
def test_at_the_deadline_an_unapproved_issue_is_sent_or_skipped(newsroom, unapproved, caplog):
    caplog.set_level(logging.INFO, logger="digest")
    with smtp_server() as (server, box):
        settings = loaded(
            newsroom(server.port, review_deadline="1h30m", review_unapproved=unapproved)
        )
        day = SCHEDULED.date()
        first = schedule.run_once(settings, day, state(), now=SCHEDULED)
        assert first.status == "held" and box.received == []
        assert "approve it by 2026-11-30 08:30 UTC with `digest review" in first.summary()[0]
        deadline = SCHEDULED + dt.timedelta(minutes=90)
        assert holding.find(state(), day).deadline == deadline

        assert schedule.check_held(settings, state(), deadline - dt.timedelta(seconds=1)) == []
        (outcome,) = schedule.check_held(settings, state(), deadline)
        assert outcome.status == {"send": "sent", "skip": "skipped"}[unapproved]
        assert len(box.received) == {"send": 2, "skip": 0}[unapproved]
        held = holding.find(state(), day)
        assert (held.outcome, held.decided) == (
            {"send": holding.SENT, "skip": holding.SKIPPED}[unapproved],
            deadline,
        )
        said = {
            "send": 'not approved by 2026-11-30 08:30 UTC: sent all the same (review_unapproved = "send")',
            "skip": 'not approved by 2026-11-30 08:30 UTC: skipped, nothing sent (review_unapproved = "skip")',
        }
        assert said[unapproved] in caplog.text
        approve(first.folder)
        later = deadline + dt.timedelta(hours=3)
        assert schedule.check_held(settings, state(), later) == [], "an outcome is final"
        again = schedule.run_once(settings, day, state(), now=later)
        assert again.status == {"send": "sent", "skip": "skipped"}[unapproved]
        assert len(box.received) == {"send": 2, "skip": 0}[unapproved]
        if unapproved == "skip":
            path = settings.config
            code, out, err = finished(digest("send", "--config", path, "--date", day.isoformat()))
            assert code == 0 and "2 sent now" in out, "sent by hand once approved"
            assert holding.find(state(), day).outcome == holding.SENT, "the page says sent"


def test_send_refuses_an_unapproved_issue_and_dry_run_still_writes_it(newsroom, tmp_path):
    with smtp_server() as (server, box):
        path = newsroom(server.port)
        held = schedule.run_once(loaded(path), SCHEDULED.date(), state(), now=SCHEDULED)
        day = held.issue_date.isoformat()
        code, out, err = finished(digest("send", "--config", path, "--date", day))
        assert code == 2 and out == ""
        assert err.splitlines() == [
            f"error: the issue of {day} is not approved and review = true in {path}; review and "
            f"approve it with `digest review --date {day}`, then send it"
        ]
        assert box.received == [] and not box.reached

        eml = tmp_path / "eml"
        code, out, err = finished(digest("send", "--config", path, "--dry-run", eml))
        assert code == 0, err
        assert len(list(eml.iterdir())) == 2 and box.received == []

        approve(held.folder)
        code, out, err = finished(digest("send", "--config", path, "--date", day))
        assert code == 0, err
        assert "2 sent now" in out and len(box.received) == 2


def test_schedule_sends_an_approval_given_after_the_send_time_within_a_minute(newsroom):
    with smtp_server() as (server, box):
        path = newsroom(server.port)
        held = schedule.run_once(loaded(path), SCHEDULED.date(), state(), now=SCHEDULED)
        approve(held.folder)
        scheduler = digest("schedule", "--config", path)
        try:
            deadline = time.monotonic() + 90
            while len(box.received) < 2 and time.monotonic() < deadline:
                time.sleep(0.2)
            assert len(box.received) == 2, "sent between ticks, not at the next one (1 January)"
            scheduler.send_signal(signal.SIGTERM)
            code, _, err = finished(scheduler, timeout=30)
            assert code == 0, err
            assert "checking them every minute" in err and "approved by Rana" in err
        finally:
            scheduler.kill()
        assert holding.find(state(), SCHEDULED.date()).outcome == holding.SENT


class FakeClock:
    def __init__(self, start, until):
        self.now, self.until = start, until

    def clock(self):
        return self.now

    def wait(self, seconds):
        self.now += dt.timedelta(seconds=seconds)
        return self.now >= self.until


def test_the_scheduler_checks_between_ticks_about_once_a_minute():
    clock = FakeClock(SCHEDULED, SCHEDULED + dt.timedelta(minutes=10))
    checks, ticks = [], []
    schedule.Scheduler(
        ScheduleSettings("0 0 * * *", UTC),
        lambda tick: ticks.append(tick) or "sent",
        state(),
        clock=clock.clock,
        wait=clock.wait,
        between=checks.append,
    ).run()
    assert ticks == [] and len(checks) == 10
    gaps = {later - earlier for earlier, later in zip(checks, checks[1:], strict=False)}
    assert gaps == {dt.timedelta(minutes=1)}


@pytest.mark.parametrize(
    ("deadline", "expected"),
    [
        ("90m", dt.timedelta(minutes=90)),
        ("2h", dt.timedelta(hours=2)),
        ("1h30m", dt.timedelta(minutes=90)),
        ("1d", dt.timedelta(days=1)),
    ],
)
def test_review_keys_are_read(tmp_path, deadline, expected):
    path = write_config(
        tmp_path / "digest.toml",
        {
            "review": True,
            "editor": "Rana",
            "review_deadline": deadline,
            "review_unapproved": "send",
        },
    )
    review = configfile.read(path).review
    assert (review.required, review.editor, review.deadline, review.unapproved) == (
        True,
        "Rana",
        expected,
        "send",
    )


def test_review_is_off_by_default_with_no_deadline(tmp_path):
    review = configfile.read(write_config(tmp_path / "digest.toml", {"out": "site"})).review
    assert (review.required, review.deadline, review.unapproved) == (False, None, "skip")
    assert review.editor


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('review = "yes"', "review: expected true or false, got 'yes'"),
        ('review_deadline = "2 hours"', "review_deadline: expected a time after the scheduled"),
        ('review_deadline = "0m"', "(more than 0, at most 7 days), got '0m'"),
        ('review_deadline = "8d"', "(more than 0, at most 7 days), got '8d'"),
        ("review_deadline = 2", "review_deadline: expected a string, got 2"),
        ('review_unapproved = "later"', "review_unapproved: must be send or skip"),
        ('editor = "  "', "editor: must not be empty"),
        ('editor = "Rana\\nBcc: x"', "editor: 'Rana\\nBcc: x' holds a line break"),
        ('review_after = "2h"', "unknown key review_after"),
    ],
)
def test_a_bad_review_key_is_one_config_error(tmp_path, line, message):
    path = tmp_path / "digest.toml"
    path.write_text(f"review = true\n{line}\n" if not line.startswith("review =") else line)
    with pytest.raises(ConfigError) as error:
        configfile.read(path)
    assert message in str(error.value) and "\n" not in str(error.value)


def test_the_example_config_names_the_review_keys_and_they_parse(tmp_path):
    example = (ROOT / "templates" / "digest.toml").read_text(encoding="utf-8")
    keys = ("review = ", "editor = ", "review_deadline = ", "review_unapproved = ")
    lines = [
        line.removeprefix("# ") if line.startswith(tuple(f"# {key}" for key in keys)) else line
        for line in example.splitlines()
    ]
    assert len([line for line in lines if line.startswith(keys)]) == 4
    (tmp_path / "digest.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    review = configfile.read(tmp_path / "digest.toml").review
    assert (review.required, review.editor, review.deadline, review.unapproved) == (
        True,
        "Rana",
        dt.timedelta(hours=2),
        "skip",
    )


def test_a_failed_run_still_sends_the_issues_approved_since(newsroom, tmp_path):
    with smtp_server() as (server, box):
        path = newsroom(server.port)
        code, _, err = finished(digest("run", "--config", path))
        assert code == 0, err
        (folder,) = (tmp_path / "site").glob("20*")
        approve(folder)
        shutil.rmtree(tmp_path / "articles")
        (tmp_path / "articles").mkdir()
        later = (dt.date.fromisoformat(folder.name) + dt.timedelta(days=1)).isoformat()
        code, out, err = finished(digest("run", "--config", path, "--date", later))
        assert code == 2 and err.splitlines()[-1].startswith("error: no article could be read")
        assert sorted(r.recipients[0] for r in box.received) == READERS, "yesterday's went out"


def test_a_held_issue_whose_folder_is_gone_is_skipped_once_at_its_deadline(newsroom, caplog):
    with smtp_server() as (server, box):
        path = newsroom(server.port, review_deadline="90m")
        settings = loaded(path)
        held = schedule.run_once(settings, SCHEDULED.date(), state(), now=SCHEDULED)
        shutil.rmtree(held.folder)
        deadline = SCHEDULED + dt.timedelta(minutes=90)
        assert schedule.check_held(settings, state(), deadline - dt.timedelta(seconds=1)) == []
        assert holding.find(state(), SCHEDULED.date()).outcome is None
        assert schedule.check_held(settings, state(), deadline) == []
        assert holding.find(state(), SCHEDULED.date()).outcome == holding.SKIPPED
        assert "skipped at its deadline, not checked again" in caplog.text
        caplog.clear()
        assert schedule.check_held(settings, state(), deadline + dt.timedelta(minutes=1)) == []
        assert "held issue" not in caplog.text and box.received == []


@pytest.mark.parametrize("unapproved", ["send", "skip"])
def test_an_approval_given_after_the_deadline_does_not_count_though_no_check_ran(
    newsroom, unapproved
):
    with smtp_server() as (server, box):
        settings = loaded(
            newsroom(server.port, review_deadline="1h30m", review_unapproved=unapproved)
        )
        day = SCHEDULED.date()
        held = schedule.run_once(settings, day, state(), now=SCHEDULED)
        deadline = SCHEDULED + dt.timedelta(minutes=90)
        issue = archive.read(held.folder).issue
        late = Approval("Rana", (deadline + dt.timedelta(seconds=1)).isoformat())
        (held.folder / archive.ISSUE_DATA).write_text(
            archive.issue_to_json(dataclasses.replace(issue, approval=late)), encoding="utf-8"
        )
        (outcome,) = schedule.check_held(settings, state(), deadline + dt.timedelta(hours=2))
        assert outcome.status == {"send": "sent", "skip": "skipped"}[unapproved]
        assert len(box.received) == {"send": 2, "skip": 0}[unapproved]
        assert "not approved by 2026-11-30 08:30 UTC" in outcome.summary()[0]


def test_an_approval_given_by_the_deadline_is_sent_at_a_later_check():
    held = holding.Hold(SCHEDULED.date(), Path("x"), SCHEDULED, SCHEDULED + dt.timedelta(hours=1))
    later = SCHEDULED + dt.timedelta(hours=5)
    on_time = Approval("Rana", "2026-11-30T08:00:00+00:00")
    assert held.verdict(on_time, later, "skip") == holding.APPROVED
    assert held.verdict(Approval("Rana", "2026-11-30T08:00:01"), later, "skip") == "deadline-skip"
    assert held.verdict(Approval("Rana", "not a time"), later, "send") == "deadline-send"
