"""SQLite state shared by the stages: one file, opened the same way by every process.

Builds, sends and the scheduler may run at the same time (a cron job beside an editor's manual
build), so every connection uses WAL journaling and waits for a lock instead of failing. Each
stage owns its tables and creates them on first use with ``ensure``; nothing else about a table
lives here.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from digest.errors import UsageError

STATE_VARIABLE = "DIGEST_STATE"
BUSY_TIMEOUT_S = 30.0


def default_path() -> Path:
    """``$DIGEST_STATE``, else the XDG state folder, so state survives a fresh checkout."""
    given = os.environ.get(STATE_VARIABLE, "").strip()
    if given:
        return Path(given)
    base = os.environ.get("XDG_STATE_HOME", "").strip() or Path.home() / ".local" / "state"
    return Path(base) / "digest" / "digest.sqlite3"


@contextmanager
def connect(path: Path | None = None) -> Iterator[sqlite3.Connection]:
    """A connection in autocommit mode; use ``with conn:`` for a transaction."""
    path = path or default_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    except (OSError, sqlite3.Error) as error:
        raise UsageError(
            f"cannot open the state database {path}: {error}; set {STATE_VARIABLE} to a "
            "writable file"
        ) from None
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA foreign_keys=ON")
        yield conn
    finally:
        conn.close()


def ensure(conn: sqlite3.Connection, *statements: str) -> None:
    """Run ``CREATE … IF NOT EXISTS`` statements; cheap enough to call on every connect."""
    with conn:
        for statement in statements:
            conn.execute(statement)
