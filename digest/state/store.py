"""SQLite state shared by the stages: one file, opened the same way by every process.

The command line resolves the file's path once (settings.state_path) and hands a Store down;
no stage looks it up. Builds, sends and the scheduler may run at the same time (a cron job beside
an editor's manual build), so every connection uses WAL journaling and waits for a lock instead
of failing. Opening a file brings its schema up to date (digest/state/schema.py); each stage
owns its tables' queries. The locks that keep one sender, one `digest run` and one scheduler
per state file live beside the file.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from digest import disk
from digest.errors import DigestError, StateError
from digest.state.schema import migrate

BUSY_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Store:
    path: Path

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A connection in autocommit mode; use ``with conn:`` for a transaction."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            private(self.path)
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        except (OSError, sqlite3.Error) as error:
            raise StateError(
                f"cannot open the state database {self.path}: {error}; set DIGEST_STATE (or "
                "state in digest.toml) to a writable file"
            ) from None
        try:
            write_ahead(conn)
            conn.execute("PRAGMA foreign_keys=ON")
            migrate(conn, self.path)
            yield conn
        except sqlite3.Error as error:
            failure = unusable(self.path, error)
            if failure is None:
                raise
            raise failure from None
        finally:
            conn.close()

    @contextmanager
    def exclusive(self, name: str, busy: Callable[[str], DigestError]) -> Iterator[None]:
        """Hold the ``name`` lock of this state file, or raise ``busy(lock file)`` at once when
        another process holds it: two senders at once could both mail the same recipient."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle = os.open(f"{self.path}.{name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as error:
            raise StateError(
                f"cannot write the lock file {self.path}.{name}.lock beside the state database: "
                f"{error.strerror}; make {self.path.parent} writable by this user, or set "
                "DIGEST_STATE (or state in digest.toml) to a file in a writable folder"
            ) from None
        try:
            if not disk.take_lock(handle):
                raise busy(f"{self.path}.{name}.lock")
            yield
        finally:
            os.close(handle)


# SQLite's primary result codes for a file this process cannot write, whatever it was doing.
READONLY, IOERR, FULL, CANTOPEN = 8, 10, 13, 14


def unusable(path: Path, error: sqlite3.Error) -> StateError | None:
    """The one line for a state file that cannot be written (read-only, a full disk, a failing
    one), naming it and the fix; None for any other error. What was committed before stays."""
    code = getattr(error, "sqlite_errorcode", 0) & 0xFF
    if code in (READONLY, CANTOPEN):
        fix = (
            "make it and its folder writable by this user, or set DIGEST_STATE (or state in "
            "digest.toml) to a file that is"
        )
    elif code in (IOERR, FULL):
        fix = "free space on its disk, or set DIGEST_STATE (or state in digest.toml) elsewhere"
    else:
        return None
    return StateError(
        f"cannot write the state database {path} ({error}); {fix}; what was recorded before "
        "is kept, and the next run carries on from it"
    )


def write_ahead(conn: sqlite3.Connection, wait: float = BUSY_TIMEOUT_S) -> None:
    """Put the file in WAL mode, waiting while another process holds it. SQLite answers "database
    is locked" here at once, without its busy wait, while another connection is recovering or
    checkpointing the write-ahead log (two builds at once met it in CI), so the wait is ours."""
    deadline = time.monotonic() + wait
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def private(path: Path) -> None:
    """Create the database file 0600 before SQLite does (it would follow the umask): it holds
    recipients' addresses. SQLite gives its -wal and -shm files the same mode."""
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
