"""Which articles each `digest run` issue carried, so no article appears in two issues."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

from digest.state.rows import stamp
from digest.state.store import Store


def earlier_articles(store: Store, issue_date: dt.date) -> frozenset[str]:
    """Ids of the articles in issues before ``issue_date``."""
    with store.connect() as conn:
        rows = conn.execute(
            "SELECT article FROM issue_articles WHERE issue_date < ?", (issue_date.isoformat(),)
        )
        return frozenset(article for (article,) in rows)


def built_folder(store: Store, issue_date: dt.date) -> Path | None:
    """The folder of the issue `digest run` already built for the date, if it still exists."""
    with store.connect() as conn:
        row = conn.execute(
            "SELECT folder FROM issues WHERE issue_date = ?", (issue_date.isoformat(),)
        ).fetchone()
    return Path(row[0]) if row and Path(row[0]).is_dir() else None


def record(store: Store, issue_date: dt.date, folder: Path, articles: Iterable[str]) -> None:
    """The issue and its articles in one transaction: both are recorded or neither."""
    day = issue_date.isoformat()
    with store.connect() as conn, conn:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("DELETE FROM issues WHERE issue_date = ?", (day,))
        conn.execute(
            "INSERT INTO issues VALUES (?, ?, ?)",
            (day, str(folder), stamp()),
        )
        conn.executemany(
            "INSERT OR IGNORE INTO issue_articles VALUES (?, ?)",
            [(day, article) for article in articles],
        )
