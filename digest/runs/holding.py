"""Issues held for review (``review = true``): built, not sent until an editor approves them.

Each held issue is a row in the state database: when it was held (the scheduled send time: the
tick of `digest schedule`, or the moment of `digest run`), its deadline (``review_deadline``
after that, if set) and, once decided, its outcome. The approval itself lives in the issue's
``issue.json`` (``Issue.approval``, written by `digest review`), so an approval needs no
process to be running: the next check reads it. Sending stays with the delivery log, which
never mails a recipient twice, however many checks find the issue approved.

An outcome is final: ``sent`` (everyone has it), ``incomplete`` (the send did not reach
everyone; `digest send` or `digest run` sends the rest, as after any run) or ``skipped`` (not
approved by the deadline, with ``review_unapproved = "skip"``: never sent on its own, even if
approved later; `digest send --date D` sends it by hand).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from digest.news import Approval
from digest.state.rows import stamp
from digest.state.store import Store

SENT, INCOMPLETE, SKIPPED = "sent", "incomplete", "skipped"
WAIT, APPROVED, DEADLINE_SEND, DEADLINE_SKIP = "wait", "approved", "deadline-send", "deadline-skip"


@dataclass(frozen=True)
class Hold:
    issue_date: dt.date
    folder: Path
    held: dt.datetime
    deadline: dt.datetime | None
    outcome: str | None = None
    decided: dt.datetime | None = None

    def verdict(self, approval: Approval | None, now: dt.datetime, unapproved: str) -> str:
        """What to do now: send an issue approved by its deadline, apply the deadline to any
        other whose deadline has passed, or wait. An approval given after the deadline does not
        count, whether or not a check ran in between: the outcome must not depend on when the
        scheduler happened to look (it is sent by hand, `digest send --date D`)."""
        if approval is not None and self.in_time(approval):
            return APPROVED
        if self.deadline is not None and now >= self.deadline:
            return DEADLINE_SEND if unapproved == "send" else DEADLINE_SKIP
        return WAIT

    def in_time(self, approval: Approval) -> bool:
        """Whether ``approval`` was given by the deadline; one whose time cannot be read is
        not taken as in time."""
        if self.deadline is None:
            return True
        try:
            at = dt.datetime.fromisoformat(approval.at)
        except ValueError:
            return False
        if at.tzinfo is None:
            at = at.replace(tzinfo=dt.UTC)
        return at <= self.deadline


def from_row(row: tuple[Any, ...]) -> Hold:
    issue_date, folder, held, deadline, outcome, decided = row
    return Hold(
        dt.date.fromisoformat(issue_date),
        Path(folder),
        dt.datetime.fromisoformat(held),
        dt.datetime.fromisoformat(deadline) if deadline else None,
        outcome,
        dt.datetime.fromisoformat(decided) if decided else None,
    )


def hold(
    store: Store, issue_date: dt.date, folder: Path, held: dt.datetime, after: dt.timedelta | None
) -> Hold:
    """Hold the issue of ``issue_date`` from ``held`` on, with its deadline ``after`` that; an
    issue held already keeps its first time, deadline and outcome (a second run the same day
    must not push the deadline back)."""
    deadline = stamp(held + after) if after is not None else None
    with store.connect() as conn, conn:
        conn.execute(
            "INSERT OR IGNORE INTO review_holds (issue_date, folder, held, deadline) "
            "VALUES (?, ?, ?, ?)",
            (issue_date.isoformat(), str(folder), stamp(held), deadline),
        )
        row = conn.execute(
            "SELECT * FROM review_holds WHERE issue_date = ?", (issue_date.isoformat(),)
        ).fetchone()
    return from_row(row)


def waiting(store: Store) -> list[Hold]:
    """Held issues with no outcome yet, oldest first."""
    with store.connect() as conn:
        rows = conn.execute(
            "SELECT * FROM review_holds WHERE outcome IS NULL ORDER BY issue_date"
        ).fetchall()
    return [from_row(row) for row in rows]


def find(store: Store, issue_date: dt.date) -> Hold | None:
    """The hold of one issue, decided or not: the review page shows the editor its deadline."""
    with store.connect() as conn:
        row = conn.execute(
            "SELECT * FROM review_holds WHERE issue_date = ?", (issue_date.isoformat(),)
        ).fetchone()
    return from_row(row) if row else None


def decide(store: Store, issue_date: dt.date, outcome: str, now: dt.datetime) -> None:
    with store.connect() as conn, conn:
        conn.execute(
            "UPDATE review_holds SET outcome = ?, decided = ? WHERE issue_date = ?",
            (outcome, stamp(now), issue_date.isoformat()),
        )


def sent_by_hand(store: Store, issue_date: dt.date, now: dt.datetime) -> None:
    """A held issue `digest send` delivered to every recipient is sent: the review page and the
    scheduler's checks then say so, not "skipped" or "waiting"."""
    with store.connect() as conn, conn:
        conn.execute(
            "UPDATE review_holds SET outcome = ?, decided = ? "
            "WHERE issue_date = ? AND (outcome IS NULL OR outcome != ?)",
            (SENT, stamp(now), issue_date.isoformat(), SENT),
        )
