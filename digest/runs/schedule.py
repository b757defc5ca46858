"""`digest run` (today's issue from new articles, then mailed) and `digest schedule`, its cron loop.

A run is idempotent for its day: the issue it built is recorded with its articles, a second run
the same day sends that same issue to whoever has not had it, which is nobody. So the loop can
afford to catch up a missed tick, and a run cut short by SIGTERM is simply run again.

The loop reads the clock itself instead of trusting a long sleep (a suspended laptop, an NTP
step), waits at most a minute at a time, and takes its clock and its wait as arguments so tests
can drive it across DST changes in milliseconds.

With ``review = true`` a run builds and holds its issue instead of sending it (digest/runs/holding.py),
and the loop checks the held issues at every wake-up, about once a minute, besides the ticks: an
approval given after the send time goes out within a minute or so, not at the next day's tick.
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

from digest import dates
from digest.errors import ConfigError, DigestError, NothingNew, ScheduleError
from digest.mail import compose
from digest.publish import archive
from digest.runs import history, holding
from digest.runs.holding import APPROVED, DEADLINE_SKIP, WAIT, Hold
from digest.runs.shutdown import stop_on_signals
from digest.settings import BuildSettings, ScheduleSettings, Settings, require_sources
from digest.state.rows import stamp
from digest.state.store import Store
from digest.stories.freshness import RUN_MAX_AGE

log = logging.getLogger(__name__)

LONGEST_WAIT_S = 60.0


@dataclass(frozen=True)
class RunOutcome:
    """What a run did. ``hold`` is set in review mode, with ``verdict`` (digest/runs/holding.py):
    the issue is waiting for an approval, was sent (approved, or at its deadline) or skipped."""

    issue_date: dt.date
    folder: Path | None
    built: bool
    report: compose.SendReport | None
    reason: str = "no new articles since the last issue"
    hold: Hold | None = None
    verdict: str | None = None
    approved_by: str | None = None

    @property
    def status(self) -> str:
        if self.verdict == WAIT:
            return "held"
        if self.verdict == DEADLINE_SKIP:
            return "skipped"
        if self.report is None:
            return "nothing new"
        if self.report.stopped:
            return "stopped"
        return "sent" if self.report.complete else "incomplete"

    def summary(self) -> list[str]:
        if self.folder is None:
            return [f"{self.issue_date}: {self.reason}; nothing sent"]
        made = "built" if self.built else "already built"
        head = f"{self.folder} ({made})"
        note = self.review_note()
        if note:
            head += f"; {note}"
        return [head] + (self.report.summary() if self.report else [])

    def review_note(self) -> str:
        if self.hold is None:
            return ""
        day = self.issue_date.isoformat()
        deadline = (
            f" by {self.hold.deadline.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC"
            if self.hold.deadline
            else ""
        )
        if self.verdict == WAIT:
            return f"held for review: approve it{deadline} with `digest review --date {day}`"
        if self.verdict == APPROVED:
            return f"approved by {self.approved_by}"
        if self.verdict == DEADLINE_SKIP:
            return (
                f'not approved{deadline}: skipped, nothing sent (review_unapproved = "skip"); '
                f"approve it with `digest review --date {day}`, then `digest send --date {day}`"
            )
        return f'not approved{deadline}: sent all the same (review_unapproved = "send")'


def today(settings: Settings, now: dt.datetime | None = None) -> dt.date:
    """The date in the issue's time zone (digest/dates.py)."""
    return dates.today(settings.zone, now)


def run_settings(build: BuildSettings, day: dt.date) -> BuildSettings:
    """A run builds ``day``'s issue, and leaves out articles older than RUN_MAX_AGE days unless
    max_age says otherwise: `digest build` of an old folder is a choice, a daily run of one is
    a mistake."""
    max_age = RUN_MAX_AGE if build.max_age is None else build.max_age
    return dataclasses.replace(build, date=day, max_age=max_age)


def run_once(
    settings: Settings,
    day: dt.date,
    store: Store,
    stop: threading.Event | None = None,
    now: dt.datetime | None = None,
) -> RunOutcome:
    """Build the issue for ``day`` from articles no earlier issue carried (once), then send it,
    or with review on, hold it from ``now`` (the scheduled time) until it is approved."""
    from digest.pipeline import build

    mailing = settings.require_mail()
    require_sources(settings.build, "run")
    now = now or dt.datetime.now(dt.UTC)
    with store.exclusive("run", compose.busy("`digest run`")):
        folder = history.built_folder(store, day)
        skip = history.earlier_articles(store, day)
        built = folder is None
        if folder is None:
            try:
                result = build(run_settings(settings.build, day), store, skip=skip)
            except NothingNew as nothing:
                log.info("%s; no issue for %s", nothing, day)
                return RunOutcome(day, None, False, None, str(nothing))
            history.record(store, day, result.folder, result.article_ids)
            folder = result.folder
        if settings.review.required:
            held = holding.hold(store, day, folder, now, settings.review.deadline)
            return release(settings, store, held, now, stop, built)
        report = compose.send_issue(
            compose.mailing(archive.read(folder), mailing, settings.build), store, stop=stop
        )
        return RunOutcome(day, folder, built, report)


def release(
    settings: Settings,
    store: Store,
    held: Hold,
    now: dt.datetime,
    stop: threading.Event | None = None,
    built: bool = False,
) -> RunOutcome:
    """Send a held issue once it is approved, or at its deadline as review_unapproved says,
    and record the outcome; an issue skipped at its deadline stays skipped. One whose folder
    cannot be read is skipped at its deadline, whatever review_unapproved says: nobody can
    have approved what is not there, and it is not checked again every minute for ever."""
    try:
        issue = archive.read(held.folder)
    except DigestError as error:
        if held.deadline is None or now < held.deadline or held.outcome is not None:
            raise
        holding.decide(store, held.issue_date, holding.SKIPPED, now)
        raise ScheduleError(f"{error}; skipped at its deadline, not checked again") from None
    approval = issue.issue.approval
    verdict = (
        DEADLINE_SKIP
        if held.outcome == holding.SKIPPED
        else held.verdict(approval, now, settings.review.unapproved)
    )
    outcome = RunOutcome(
        held.issue_date,
        held.folder,
        built,
        None,
        hold=held,
        verdict=verdict,
        approved_by=approval.by if approval else None,
    )
    if verdict == WAIT:
        return outcome
    if verdict == DEADLINE_SKIP:
        if held.outcome is None:
            holding.decide(store, held.issue_date, holding.SKIPPED, now)
        return outcome
    report = compose.send_issue(
        compose.mailing(issue, settings.require_mail(), settings.build), store, stop=stop
    )
    if not report.stopped:
        decided = holding.SENT if report.complete else holding.INCOMPLETE
        holding.decide(store, held.issue_date, decided, now)
    return dataclasses.replace(outcome, report=report)


def check_held(
    settings: Settings,
    store: Store,
    now: dt.datetime,
    stop: threading.Event | None = None,
    besides: dt.date | None = None,
) -> list[RunOutcome]:
    """Send or skip every held issue whose approval or deadline has come (all but the issue of
    ``besides``, which the caller has just dealt with); each outcome is logged. An issue that
    cannot be read or sent now is logged and checked again next time."""
    outcomes = []
    for held in holding.waiting(store):
        if held.issue_date == besides:
            continue
        try:
            outcome = release(settings, store, held, now, stop)
        except DigestError as error:
            log.error("held issue %s: %s", held.issue_date, error)
            continue
        if outcome.verdict == WAIT:
            continue
        for line in outcome.summary():
            log.info("%s", line)
        outcomes.append(outcome)
    return outcomes


class Scheduler:
    """Fires ``job`` at each cron tick, read in ``timezone``; once for any number missed.

    ``clock`` returns the current time (aware); ``wait(seconds)`` sleeps and returns True when
    a stop was requested; ``between(now)``, if given, runs at each wake-up between ticks (at
    most a minute apart). A wall-clock time that occurs twice when the clocks go back fires
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
        between: Callable[[dt.datetime], object] | None = None,
    ):
        from croniter import croniter

        self.croniter = croniter
        self.cron = schedule.cron
        self.timezone: ZoneInfo = schedule.timezone
        self.job = job
        self.store = store
        self.clock = clock
        self.wait = wait
        self.between = between

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
                if self.between is not None:
                    self.between(now)
                    now = self.clock()
                self.wait(max(0.0, min((due - now).total_seconds(), LONGEST_WAIT_S)))
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
            conn.execute(
                "INSERT OR REPLACE INTO schedule_runs (tick, started) VALUES (?, ?)",
                (key, stamp(self.clock())),
            )
        outcome = self.job(tick)
        with self.store.connect() as conn:
            conn.execute(
                "UPDATE schedule_runs SET finished = ?, outcome = ? WHERE tick = ?",
                (stamp(self.clock()), outcome, key),
            )
        log.info("run for %s finished: %s", tick.isoformat(), outcome)


def last_tick(store: Store) -> dt.datetime | None:
    """The newest tick whose run was not cut short by a stop; a stopped one is run again."""
    with store.connect() as conn:
        row = conn.execute(
            "SELECT MAX(tick) FROM schedule_runs WHERE outcome IS NOT NULL AND outcome != 'stopped'"
        ).fetchone()
    return dt.datetime.fromisoformat(row[0]) if row[0] else None


def runs(store: Store) -> list[tuple[str, str | None]]:
    """(tick in UTC, outcome) of every scheduled run, oldest first."""
    with store.connect() as conn:
        return conn.execute("SELECT tick, outcome FROM schedule_runs ORDER BY tick").fetchall()


def scheduled_job(
    settings: Settings, store: Store, stop: threading.Event
) -> Callable[[dt.datetime], str]:
    def job(tick: dt.datetime) -> str:
        try:
            outcome = run_once(settings, tick.date(), store, stop, now=tick)
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


def held_check(
    settings: Settings, store: Store, stop: threading.Event
) -> Callable[[dt.datetime], object]:
    """The check between ticks; a bug in it is logged, and the scheduler keeps running."""

    def check(now: dt.datetime) -> object:
        try:
            return check_held(settings, store, now, stop)
        except Exception:
            log.exception("checking the held issues failed with a bug in digest")
            return None

    return check


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
        if settings.review.required:
            log.info("review = true: issues are held until approved; checking them every minute")
        Scheduler(
            timing,
            scheduled_job(settings, store, stop),
            store,
            clock=lambda: dt.datetime.now(dt.UTC),
            wait=stop.wait,
            between=held_check(settings, store, stop) if settings.review.required else None,
        ).run()
    log.info("schedule stopped")
