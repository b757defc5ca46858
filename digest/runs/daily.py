"""`digest run` as one library call: today's issue (in the schedule's time zone), built, then
sent or held, and with ``review = true`` the issues held on earlier days checked as well, so an
approval given since the last run goes out now even when today's build fails."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from digest.runs import schedule
from digest.runs.schedule import RunOutcome
from digest.runs.shutdown import stop_on_signals
from digest.settings import Settings
from digest.state.store import Store


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def run(settings: Settings, store: Store, clock: Callable[[], dt.datetime] = utc_now) -> RunOutcome:
    """The run for ``settings.build.date``, or for today by ``clock``; SIGTERM and SIGINT stop
    it between recipients, and then no held issue is checked. The held issues are checked at
    the time the run ends, not the time it began: a build can take minutes."""
    day = settings.build.date or schedule.today(settings, clock())
    with stop_on_signals() as stop:
        try:
            return schedule.run_once(settings, day, store, stop, now=clock())
        finally:
            if settings.review.required and not stop.is_set():
                schedule.check_held(settings, store, clock(), stop, besides=day)
