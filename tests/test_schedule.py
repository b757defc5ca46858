"""`digest run` and `digest schedule`: new articles only, never twice, the right local times."""

import datetime as dt
import logging
import os
import shutil
import signal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from digest import configfile
from digest.runs import history, schedule
from digest.settings import ScheduleSettings, resolve
from digest.state.store import Store
from tests.conftest import SEEDS, STORIES
from tests.mailserver import free_port, smtp_server, write_config
from tests.spawn import digest

UTC = dt.UTC
LONDON = ZoneInfo("Europe/London")


def state() -> Store:
    """The test's own state file (tests/conftest.py points DIGEST_STATE at it)."""
    return Store(Path(os.environ["DIGEST_STATE"]))


class FakeClock:
    """Time that moves only when the scheduler waits; ``suspend`` adds a jump at one moment."""

    def __init__(self, start, until, suspend=None):
        self.now, self.until, self.suspend = start, until, suspend

    def clock(self):
        return self.now

    def wait(self, seconds):
        self.now += dt.timedelta(seconds=seconds)
        if self.suspend and self.now >= self.suspend[0]:
            self.now += self.suspend[1]
            self.suspend = None
        return self.now >= self.until


def fire(cron, zone, start, until, suspend=None, on_time=True):
    """Run the scheduler on a fake clock; the tick of every run, each run on time if asked."""
    clock = FakeClock(start, until, suspend)
    fired = []

    def job(tick):
        fired.append((tick, clock.now))
        return "sent"

    schedule.Scheduler(
        ScheduleSettings(cron, ZoneInfo(zone)), job, state(), clock=clock.clock, wait=clock.wait
    ).run()
    for tick, at in fired if on_time else []:
        assert dt.timedelta(0) <= at - tick < dt.timedelta(minutes=1), "fires on time"
    return [tick for tick, _ in fired]


def local(ticks):
    return [t.astimezone(LONDON).strftime("%m-%d %H:%M %Z") for t in ticks]


def test_daily_ticks_keep_local_time_across_the_spring_change(caplog):
    caplog.set_level(logging.INFO, logger="digest")
    ticks = fire(
        "0 7 * * *",
        "Europe/London",
        dt.datetime(2026, 3, 26, 12, tzinfo=UTC),
        dt.datetime(2026, 3, 31, 12, tzinfo=UTC),
    )
    assert local(ticks) == [
        f"03-{day} 07:00 {zone}"
        for day, zone in zip(range(27, 32), ["GMT"] * 2 + ["BST"] * 3, strict=True)
    ]
    assert [t.astimezone(UTC).hour for t in ticks] == [7, 7, 6, 6, 6]
    assert "run for 2026-03-29T07:00:00+01:00 started" in caplog.text
    assert schedule.runs(state())[2] == ("2026-03-29T06:00:00+00:00", "sent")


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (
            dt.datetime(2026, 3, 27, 12, tzinfo=UTC),
            ["03-28 01:30 GMT", "03-29 02:00 BST", "03-30 01:30 BST"],
        ),
        (
            dt.datetime(2026, 10, 23, 12, tzinfo=UTC),
            ["10-24 01:30 BST", "10-25 01:30 BST", "10-26 01:30 GMT"],
        ),
    ],
)
def test_a_time_skipped_in_spring_fires_at_the_jump_and_one_repeated_in_autumn_once(
    start, expected
):
    ticks = fire("30 1 * * *", "Europe/London", start, start + dt.timedelta(days=3))
    assert local(ticks) == expected


def test_ticks_missed_while_suspended_are_caught_up_once(caplog):
    ticks = fire(
        "0 7 * * *",
        "UTC",
        dt.datetime(2026, 1, 1, 12, tzinfo=UTC),
        dt.datetime(2026, 1, 8, 12, tzinfo=UTC),
        suspend=(dt.datetime(2026, 1, 3, tzinfo=UTC), dt.timedelta(days=3)),
        on_time=False,
    )
    assert [t.day for t in ticks] == [2, 5, 6, 7, 8]
    assert "3 tick(s) passed while not running; running once for 2026-01-05" in caplog.text


def record(tick, outcome):
    with state().connect() as conn:
        conn.execute(
            "INSERT INTO schedule_runs VALUES (?, ?, ?, ?)",
            (tick.isoformat(), tick.isoformat(), tick.isoformat(), outcome),
        )


@pytest.mark.parametrize("last", ["sent", "stopped"])
def test_after_a_restart_missed_or_stopped_runs_are_run_once(last):
    record(dt.datetime(2026, 1, 1, 7, tzinfo=UTC), "sent")
    record(dt.datetime(2026, 1, 2, 7, tzinfo=UTC), last)
    ticks = fire(
        "0 7 * * *",
        "UTC",
        dt.datetime(2026, 1, 2, 12, tzinfo=UTC),
        dt.datetime(2026, 1, 3, 12, tzinfo=UTC),
        on_time=False,
    )
    assert [t.day for t in ticks] == ([3] if last == "sent" else [2, 3])


@pytest.fixture
def newsroom(tmp_path):
    """A sources folder with the seeds, a config mailing two readers on ``port``."""
    sources = tmp_path / "articles"
    shutil.copytree(SEEDS, sources)

    def configure(port, cron="0 7 * * *"):
        mail = {
            "host": "127.0.0.1",
            "port": port,
            "security": "none",
            "from": "digest@example.org",
            "recipients": ["a@example.org", "b@example.org"],
            "unsubscribe_mailto": "unsubscribe@example.org",
            "attempts": 1,
        }
        # The sample articles are from 2025: no age limit, so they count as new.
        top = {"sources": ["articles"], "out": "site", "translate": False, "max_age": 36500}
        timing = {"cron": cron, "timezone": "Europe/London"}
        return write_config(tmp_path / "digest.toml", top, mail, timing)

    return sources, configure


def test_run_sends_new_articles_once_and_twice_a_day_sends_nothing_new(newsroom, tmp_path):
    sources, configure = newsroom
    with smtp_server() as (server, box):
        path = configure(server.port)
        loaded = resolve({}, os.environ, configfile.read(path))
        today = schedule.today(loaded)
        first = schedule.run_once(loaded, today, state())
        assert first.built and first.report.complete and len(box.received) == 2
        assert first.folder == tmp_path / "site" / today.isoformat()
        again = digest("run", "--config", path)
        out, err = again.communicate(timeout=60)
        assert again.returncode == 0, err
        assert "already built" in out and "0 sent now, 2 sent earlier" in out
        assert len(box.received) == 2

        tomorrow = today + dt.timedelta(days=1)
        assert schedule.run_once(loaded, tomorrow, state()).report is None, (
            "nothing new, nothing sent"
        )
        assert len(box.received) == 2
        shutil.copy(STORIES / "sfax-aljazeera.txt", sources)
        later = schedule.run_once(loaded, tomorrow, state())
        assert later.built and later.report.complete and len(box.received) == 4
    first_ids = history.earlier_articles(state(), tomorrow)
    both = history.earlier_articles(state(), tomorrow + dt.timedelta(days=1))
    assert len(first_ids) == 2 and len(both - first_ids) == 1


def test_one_scheduler_at_a_time_and_sigterm_stops_it_cleanly(newsroom):
    _, configure = newsroom
    path = configure(free_port(), cron="0 0 1 1 *")
    first = digest("schedule", "--config", path)
    try:
        assert "waiting for the next tick" in first.stderr.readline()
        second = digest("schedule", "--config", path)
        out, err = second.communicate(timeout=60)
        assert second.returncode == 2
        assert "another `digest schedule` is already running" in err
        first.send_signal(signal.SIGTERM)
        out, err = first.communicate(timeout=30)
        assert first.returncode == 0, err
        assert "SIGTERM received" in err and "schedule stopped" in err
    finally:
        first.kill()
