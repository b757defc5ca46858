"""The delivery log: one row per (issue, recipient), committed after every change.

Statuses and what a later `digest send` does with them:

- ``pending``: not sent yet (or a try failed before the message was handed over): sent.
- ``sending``: the message was being handed over (SMTP DATA) when the process stopped or the
  connection broke, so the server may or may not have taken it. Never sent again on its own,
  because a duplicate is the worse mistake for a newsletter; every later run lists the
  recipient as *uncertain* and exits 1 until someone checks the server's log and either sends
  again with ``--resend --to ADDR`` (the same Message-ID, which many mail systems use to drop a
  duplicate) or accepts it with ``--mark-sent ADDR``.
- ``sent``: the server accepted it: skipped (``--resend`` forces a new copy).
- ``refused``: the server refused the recipient or the message for good (5xx): not retried,
  reported in every summary.
- ``failed``: temporary errors (4xx, lost connection) outlasted the retries: sent again.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from typing import Any

from digest.state.rows import stamp

PENDING, SENDING, SENT, REFUSED, FAILED = "pending", "sending", "sent", "refused", "failed"


@dataclass(frozen=True)
class Delivery:
    issue_date: dt.date
    recipient: str
    status: str
    message_id: str
    attempts: int
    last_error: str | None
    updated: str


class DeliveryLog:
    """Rows of one state database; every method commits before it returns.

    The one table owner handed a connection rather than a Store: a send opens it once from the
    Store, under the send lock, and marks every recipient through it, so a pass over thousands
    of recipients does not open the database (and check its schema) once per mark."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def get(self, issue_date: dt.date, recipient: str) -> Delivery | None:
        row = self.conn.execute(
            "SELECT * FROM deliveries WHERE issue_date = ? AND recipient = ?",
            (issue_date.isoformat(), recipient),
        ).fetchone()
        return None if row is None else self.delivery(row)

    def for_issue(self, issue_date: dt.date) -> list[Delivery]:
        rows = self.conn.execute(
            "SELECT * FROM deliveries WHERE issue_date = ? ORDER BY recipient",
            (issue_date.isoformat(),),
        )
        return [self.delivery(row) for row in rows]

    def prepare(self, issue_date: dt.date, recipient: str, message_id: str) -> None:
        """A row exists for the recipient before the server is contacted, as ``pending``."""
        with self.conn:
            self.conn.execute(
                "INSERT INTO deliveries (issue_date, recipient, status, message_id, updated) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET status = excluded.status, "
                "updated = excluded.updated",
                (issue_date.isoformat(), recipient, PENDING, message_id, stamp()),
            )

    def mark(
        self,
        issue_date: dt.date,
        recipient: str,
        status: str,
        error: str | None = None,
        tried: bool = False,
    ) -> None:
        with self.conn:
            self.conn.execute(
                "UPDATE deliveries SET status = ?, last_error = COALESCE(?, last_error), "
                "attempts = attempts + ?, updated = ? WHERE issue_date = ? AND recipient = ?",
                (status, error, int(tried), stamp(), issue_date.isoformat(), recipient),
            )

    @staticmethod
    def delivery(row: tuple[Any, ...]) -> Delivery:
        issue_date, recipient, status, message_id, attempts, last_error, updated = row
        return Delivery(
            dt.date.fromisoformat(issue_date),
            recipient,
            status,
            message_id,
            attempts,
            last_error,
            updated,
        )
