import multiprocessing
import sqlite3

import pytest

from digest.errors import StateError
from digest.settings import state_path
from digest.state.store import Store, write_ahead

TABLE = "CREATE TABLE IF NOT EXISTS counter (n INTEGER NOT NULL)"


def test_the_state_path_follows_the_environment_then_the_file_then_xdg(tmp_path):
    from digest.settings import FileSettings

    environ = {"DIGEST_STATE": str(tmp_path / "s.db"), "HOME": str(tmp_path / "home")}
    in_file = FileSettings(path=tmp_path / "digest.toml", state=tmp_path / "file.db")
    assert state_path(environ) == tmp_path / "s.db"
    assert state_path(environ, in_file) == tmp_path / "s.db"
    del environ["DIGEST_STATE"]
    assert state_path(environ, in_file) == tmp_path / "file.db"
    assert state_path(environ) == tmp_path / "home" / ".local/state/digest/digest.sqlite3"
    environ["XDG_STATE_HOME"] = str(tmp_path / "xdg")
    assert state_path(environ) == tmp_path / "xdg" / "digest" / "digest.sqlite3"


def test_no_module_below_the_command_line_reads_digest_state():
    """The path is resolved once, by the settings; every stage is handed a Store."""
    from tests.conftest import ROOT

    readers = sorted(
        f"{path.relative_to(ROOT)}: {line.strip()}"
        for path in (ROOT / "digest").rglob("*.py")
        for line in path.read_text(encoding="utf-8").splitlines()
        if ("environ" in line or "getenv" in line) and "STATE" in line
    )
    assert readers, "settings.py reads it"
    assert all(reader.startswith("digest/settings.py: ") for reader in readers), readers


def test_connect_creates_the_folder_and_uses_wal(tmp_path):
    path = tmp_path / "deep" / "state.db"
    with Store(path).connect() as conn:
        conn.execute(TABLE)
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert path.exists()


def test_an_unwritable_place_is_a_state_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StateError, match="DIGEST_STATE"), Store(blocker / "state.db").connect():
        pass


def add_many(path, count):
    with Store(path).connect() as conn:
        for _ in range(count):
            with conn:
                conn.execute("INSERT INTO counter VALUES (1)")


def test_two_processes_write_at_once_without_losing_a_row(tmp_path):
    path = tmp_path / "state.db"
    with Store(path).connect() as conn:
        conn.execute(TABLE)
    workers = [multiprocessing.Process(target=add_many, args=(path, 200)) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    assert sqlite3.connect(path).execute("SELECT COUNT(*) FROM counter").fetchone()[0] == 400


class Busy:
    """A connection that answers "database is locked" a few times, as SQLite does while another
    connection recovers or checkpoints the write-ahead log, then answers as the real one."""

    def __init__(self, conn, times, message="database is locked"):
        self.conn, self.times, self.message, self.tries = conn, times, message, 0

    def execute(self, statement):
        self.tries += 1
        if self.tries <= self.times:
            raise sqlite3.OperationalError(self.message)
        return self.conn.execute(statement)


def test_wal_mode_waits_out_a_locked_answer_and_gives_up_at_its_deadline(tmp_path):
    conn = sqlite3.connect(tmp_path / "state.sqlite3", isolation_level=None)
    busy = Busy(conn, times=3)
    write_ahead(busy, wait=5)
    assert busy.tries == 5 and conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        write_ahead(Busy(conn, times=1000), wait=0.2)
    with pytest.raises(sqlite3.OperationalError, match="disk I/O error"):
        write_ahead(Busy(conn, times=1, message="disk I/O error"), wait=5)
