"""What every table's owner needs from SQLite beside its own queries: lookups by many keys and
one form of timestamp.

SQLite caps the parameters of one statement (999 in older builds), so a lookup of an issue's
thousands of sentences is asked a chunk at a time. Timestamps are stored as ISO 8601 in UTC to
the second, one form in every table, so they compare as text and read the same in each.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any

CHUNK = 500


def rows_in(
    conn: sqlite3.Connection, query: str, fixed: Sequence[Any], keys: Sequence[Any]
) -> Iterator[tuple[Any, ...]]:
    """The rows of ``query`` for every key: its ``{keys}`` becomes ``?, ?, …`` for a chunk of
    ``keys`` at a time, after the ``fixed`` parameters."""
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        marks = ", ".join("?" * len(chunk))
        yield from conn.execute(query.format(keys=marks), (*fixed, *chunk))


def stamp(moment: dt.datetime | None = None) -> str:
    """``moment`` (now when not given) as stored: UTC, to the second."""
    return (moment or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).isoformat(timespec="seconds")
