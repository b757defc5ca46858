"""The state database's schema: every table, and the ordered migrations that bring any earlier
file up to it.

The file's version is SQLite's ``user_version`` (0 in a file no digest has opened, and in one
made by 0.1.0, which created its tables on first use and recorded no version). Opening a file
runs the migrations it has not had, in order, in one transaction, so an installed user's
database meets a schema change prepared; a file from a newer digest is refused rather than
written in a form that digest would misread. Each table's queries stay with its owner
(the translation cache, the memory, the run history, holds, deliveries, the scheduler); only
their shape lives here, so a change of shape is always a new migration at the end.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from digest.arabic import as_written
from digest.errors import StateError

TRANSLATIONS = """CREATE TABLE IF NOT EXISTS translations (
    model TEXT NOT NULL,
    revision TEXT NOT NULL,
    engine TEXT NOT NULL,
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    review TEXT,
    created TEXT NOT NULL,
    PRIMARY KEY (model, revision, engine, source)
)"""

TRANSLATION_MEMORY = """CREATE TABLE IF NOT EXISTS translation_memory (
    model TEXT NOT NULL,
    sentence TEXT NOT NULL,
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    editor TEXT NOT NULL,
    edited TEXT NOT NULL,
    PRIMARY KEY (model, sentence)
)"""

ISSUES = """CREATE TABLE IF NOT EXISTS issues (
    issue_date TEXT PRIMARY KEY,
    folder TEXT NOT NULL,
    built TEXT NOT NULL
)"""

ISSUE_ARTICLES = """CREATE TABLE IF NOT EXISTS issue_articles (
    issue_date TEXT NOT NULL REFERENCES issues (issue_date) ON DELETE CASCADE,
    article TEXT NOT NULL,
    PRIMARY KEY (issue_date, article)
)"""

REVIEW_HOLDS = """CREATE TABLE IF NOT EXISTS review_holds (
    issue_date TEXT PRIMARY KEY,
    folder TEXT NOT NULL,
    held TEXT NOT NULL,
    deadline TEXT,
    outcome TEXT,
    decided TEXT
)"""

DELIVERIES = """CREATE TABLE IF NOT EXISTS deliveries (
    issue_date TEXT NOT NULL,
    recipient TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'refused', 'failed')),
    message_id TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    updated TEXT NOT NULL,
    PRIMARY KEY (issue_date, recipient)
)"""

SCHEDULE_RUNS = """CREATE TABLE IF NOT EXISTS schedule_runs (
    tick TEXT PRIMARY KEY,
    started TEXT NOT NULL,
    finished TEXT,
    outcome TEXT
)"""

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: the tables of 0.1.0 as it made them (IF NOT EXISTS: a 0.1.0 file has some or all).
    (
        TRANSLATIONS,
        TRANSLATION_MEMORY,
        ISSUES,
        ISSUE_ARTICLES,
        REVIEW_HOLDS,
        DELIVERIES,
        SCHEDULE_RUNS,
    ),
    # 2: the translation memory keyed by the Arabic as written (0.1.0 keyed it by a folded form
    # that lost diacritics and letter forms, so one correction matched sentences saying the
    # opposite); each entry keyed again from the Arabic it keeps.
    (
        "UPDATE OR REPLACE translation_memory SET sentence = as_written(source) "
        "WHERE sentence != as_written(source)",
    ),
)
VERSION = len(MIGRATIONS)


def version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Bring the file at ``path`` to VERSION. Two processes opening an old file at once are
    serialised by the write lock taken before the version is read again, so each migration
    runs once."""
    if refuse_newer(version(conn), path) == VERSION:
        return
    conn.create_function("as_written", 1, as_written, deterministic=True)
    try:
        with conn:
            conn.execute("BEGIN IMMEDIATE")
            found = refuse_newer(version(conn), path)
            for statements in MIGRATIONS[found:]:
                for statement in statements:
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {VERSION}")
    except sqlite3.Error as error:
        raise StateError(
            f"cannot bring the state database {path} up to date: {error}; make it writable or "
            "set DIGEST_STATE (or state in digest.toml) to another file"
        ) from None


def refuse_newer(found: int, path: Path) -> int:
    if found > VERSION:
        raise StateError(
            f"the state database {path} is from a newer digest (schema {found}; this one knows "
            f"up to {VERSION}): upgrade digest, or set DIGEST_STATE to another file"
        )
    return found
