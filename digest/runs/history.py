"""Which articles each `digest run` issue carried, so no article appears in two issues."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from digest.state import store

TABLES = (
    """
    CREATE TABLE IF NOT EXISTS issues (
        issue_date TEXT PRIMARY KEY,
        folder TEXT NOT NULL,
        built TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS issue_articles (
        issue_date TEXT NOT NULL REFERENCES issues (issue_date) ON DELETE CASCADE,
        article TEXT NOT NULL,
        PRIMARY KEY (issue_date, article)
    )
    """,
)


def ensure(conn: sqlite3.Connection) -> None:
    store.ensure(conn, *TABLES)


def earlier_articles(conn: sqlite3.Connection, issue_date: dt.date) -> frozenset[str]:
    """Ids of the articles in issues before ``issue_date``."""
    ensure(conn)
    rows = conn.execute(
        "SELECT article FROM issue_articles WHERE issue_date < ?", (issue_date.isoformat(),)
    )
    return frozenset(article for (article,) in rows)


def built_folder(conn: sqlite3.Connection, issue_date: dt.date) -> Path | None:
    """The folder of the issue `digest run` already built for the date, if it still exists."""
    ensure(conn)
    row = conn.execute(
        "SELECT folder FROM issues WHERE issue_date = ?", (issue_date.isoformat(),)
    ).fetchone()
    return Path(row[0]) if row and Path(row[0]).is_dir() else None


def record(
    conn: sqlite3.Connection, issue_date: dt.date, folder: Path, articles: Iterable[str]
) -> None:
    """The issue and its articles in one transaction: both are recorded or neither."""
    ensure(conn)
    day = issue_date.isoformat()
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("DELETE FROM issues WHERE issue_date = ?", (day,))
        conn.execute(
            "INSERT INTO issues VALUES (?, ?, ?)",
            (day, str(folder), dt.datetime.now(dt.UTC).isoformat(timespec="seconds")),
        )
        conn.executemany(
            "INSERT OR IGNORE INTO issue_articles VALUES (?, ?)",
            [(day, article) for article in articles],
        )
