"""What "today" is, defined once: the date in the issue's time zone (the schedule's, when
digest.toml has one, else the machine's), read from one clock.

A run at 23:30 UTC for readers in Riyadh builds the issue of the next day; a build and a run on
one machine must agree on that, and so must the check that a publication date is not in the
future, which takes the latest date anywhere on Earth (UTC+14) so that no outlet ahead of the
machine is refused.
"""

from __future__ import annotations

import datetime as dt

LATEST_ZONE = dt.timezone(dt.timedelta(hours=14))


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def today(zone: dt.tzinfo | None = None, at: dt.datetime | None = None) -> dt.date:
    """The date in ``zone`` (the machine's when None) at ``at`` (now when None)."""
    return (at or now()).astimezone(zone).date()


def latest_today(at: dt.datetime | None = None) -> dt.date:
    """The date where it is latest on Earth: no article can be published after it."""
    return today(LATEST_ZONE, at)
