"""`digest run` (today's issue from new articles, then mailed) and `digest schedule`, its cron loop.

A run is idempotent for its day: the issue it built is recorded with its articles, a second run
the same day sends that same issue to whoever has not had it, which is nobody. So the loop can
afford to catch up a missed tick, and a run cut short by SIGTERM is simply run again.

The loop reads the clock itself instead of trusting a long sleep (a suspended laptop, an NTP
step), waits at most a minute at a time, and takes its clock and its wait as arguments so tests
can drive it across DST changes in milliseconds.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from digest import archive, history, mail
from digest.errors import ConfigError, DigestError, NothingNew, ScheduleError
from digest.settings import ScheduleSettings, Settings, require_sources
from digest.shutdown import stop_on_signals
from digest.store import Store, ensure

log = logging.getLogger(__name__)

LONGEST_WAIT_S = 60.0
RUNS_TABLE = """
CREATE TABLE IF NOT EXISTS schedule_runs (
    tick TEXT PRIMARY KEY,
    started TEXT NOT NULL,
    finished TEXT,
    outcome TEXT
)
"""


@dataclass(frozen=True)
class RunOutcome:
    issue_date: dt.date
    folder: Path | None
    built: bool
    report: mail.SendReport | None

    @property
    def status(self) -> str:
        if self.report is None:
            return "nothing new"
        if self.report.stopped:
            return "stopped"
        return "sent" if self.report.complete else "incomplete"

    def summary(self) -> list[str]:
        if self.folder is None:
            return [f"{self.issue_date}: no new articles since the last issue; nothing sent"]
        made = "built" if self.built else "already built"
        lines = [f"{self.folder} ({made})"]
        return lines + (self.report.summary() if self.report else [])


def today(settings: Settings, now: dt.datetime | None = None) -> dt.date:
    """The date in the schedule's time zone, else the machine's."""
    zone = settings.schedule.timezone if settings.schedule else None
    return (now or dt.datetime.now(dt.UTC)).astimezone(zone).date()


def run_once(
    settings: Settings, day: dt.date, store: Store, stop: threading.Event | None = None
) -> RunOutcome:
    """Build the issue for ``day`` from articles no earlier issue carried (once), then send it."""
    from digest.pipeline import build

    mailing = settings.require_mail()
    require_sources(settings.build, "run")
    with store.exclusive("run", mail.busy("`digest run`")):
        with store.connect() as conn:
            folder = history.built_folder(conn, day)
            skip = history.earlier_articles(conn, day)
        built = folder is None
        if folder is None:
            try:
                result = build(dataclasses.replace(settings.build, date=day), store, skip=skip)
            except NothingNew as nothing:
                log.info("%s; no issue for %s", nothing, day)
                return RunOutcome(day, None, False, None)
            with store.connect() as conn:
                history.record(conn, day, result.folder, result.article_ids)
            folder = result.folder
        report = mail.send_issue(archive.read(folder), mailing, store, stop=stop)
        return RunOutcome(day, folder, built, report)


class Scheduler:
    """Fires ``job`` at each cron tick, read in ``timezone``; once for any number missed.

    ``clock`` returns the current time (aware); ``wait(seconds)`` sleeps and returns True when
    a stop was requested. A wall-clock time that occurs twice when the clocks go back fires
    once, at its first occurrence; one skipped when they go forward fires at the jump.
    """

    def __init__(
        self,
        schedule: ScheduleSettings,
        job: Callable[[dt.datetime], str],
        store: Store,
        *,
        clock: Callable[[], dt.datetime],
        wait: Callable[[float], bool],
    ):
        from croniter import croniter

        self.croniter = croniter
        self.cron = schedule.cron
        self.timezone: ZoneInfo = schedule.timezone
        self.job = job
        self.store = store
        self.clock = clock
        self.wait = wait

    def ticks_after(self, moment: dt.datetime) -> Iterator[dt.datetime]:
        ticks = self.croniter(self.cron, moment.astimezone(self.timezone))
        while True:
            tick = ticks.get_next(dt.datetime)
            first = tick.replace(tzinfo=None).replace(tzinfo=self.timezone, fold=0)
            if first.astimezone(dt.UTC) == tick.astimezone(dt.UTC):
                yield first

    def run(self) -> None:
        done = last_tick(self.store) or self.clock()
        while not self.wait(0):
            now = self.clock()
            ticks = self.ticks_after(done)
            due = next(ticks)
            if due > now:
                self.wait(min((due - now).total_seconds(), LONGEST_WAIT_S))
                continue
            missed = 0
            for tick in ticks:
                if tick > now:
                    break
                due, missed = tick, missed + 1
            if missed:
                log.warning(
                    "%d tick(s) passed while not running; running once for %s", missed + 1, due
                )
            self.fire(due)
            done = due

    def fire(self, tick: dt.datetime) -> None:
        key = tick.astimezone(dt.UTC).isoformat()
        log.info("run for %s started", tick.isoformat())
        with self.store.connect() as conn:
            ensure(conn, RUNS_TABLE)
            conn.execute(
                "INSERT OR REPLACE INTO schedule_runs (tick, started) VALUES (?, ?)",
                (key, self.clock().astimezone(dt.UTC).isoformat()),
            )
        outcome = self.job(tick)
        with self.store.connect() as conn:
            conn.execute(
                "UPDATE schedule_runs SET finished = ?, outcome = ? WHERE tick = ?",
                (self.clock().astimezone(dt.UTC).isoformat(), outcome, key),
            )
        log.info("run for %s finished: %s", tick.isoformat(), outcome)


def last_tick(store: Store) -> dt.datetime | None:
    """The newest tick whose run was not cut short by a stop; a stopped one is run again."""
    with store.connect() as conn:
        ensure(conn, RUNS_TABLE)
        row = conn.execute(
            "SELECT MAX(tick) FROM schedule_runs WHERE outcome IS NOT NULL AND outcome != 'stopped'"
        ).fetchone()
    return dt.datetime.fromisoformat(row[0]) if row[0] else None


def runs(store: Store) -> list[tuple[str, str | None]]:
    """(tick in UTC, outcome) of every scheduled run, oldest first."""
    with store.connect() as conn:
        ensure(conn, RUNS_TABLE)
        return conn.execute("SELECT tick, outcome FROM schedule_runs ORDER BY tick").fetchall()


def scheduled_job(
    settings: Settings, store: Store, stop: threading.Event
) -> Callable[[dt.datetime], str]:
    def job(tick: dt.datetime) -> str:
        try:
            outcome = run_once(settings, tick.date(), store, stop)
        except DigestError as error:
            log.error("run for %s failed: %s", tick.isoformat(), error)
            return f"error: {error}"
        except Exception:
            log.exception("run for %s failed with a bug in digest", tick.isoformat())
            return "crashed"
        for line in outcome.summary():
            log.info("%s", line)
        return outcome.status

    return job


def serve(settings: Settings, store: Store) -> None:
    """`digest schedule`: one instance per state file, until SIGTERM or SIGINT."""
    timing = settings.require_schedule()
    settings.require_mail()
    require_sources(settings.build, "schedule")
    if settings.build.date is not None:
        raise ConfigError(
            f"{settings.where()}: date: a schedule builds the issue of each tick's date; "
            "remove date (or use `digest run --date`)"
        )

    def busy(lock_file: str) -> ScheduleError:
        return ScheduleError(
            f"another `digest schedule` is already running (it holds {lock_file}); stop it first"
        )

    with store.exclusive("schedule", busy), stop_on_signals() as stop:
        log.info("schedule %r in %s; waiting for the next tick", timing.cron, timing.timezone.key)
        Scheduler(
            timing,
            scheduled_job(settings, store, stop),
            store,
            clock=lambda: dt.datetime.now(dt.UTC),
            wait=stop.wait,
        ).run()
    log.info("schedule stopped")
