import multiprocessing
import sqlite3

import pytest

from digest import store
from digest.errors import UsageError

TABLE = "CREATE TABLE IF NOT EXISTS counter (n INTEGER NOT NULL)"


def test_default_path_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DIGEST_STATE", str(tmp_path / "s.db"))
    assert store.default_path() == tmp_path / "s.db"
    monkeypatch.delenv("DIGEST_STATE")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    assert store.default_path() == tmp_path / "xdg" / "digest" / "digest.sqlite3"


def test_connect_creates_the_folder_and_uses_wal(tmp_path):
    path = tmp_path / "deep" / "state.db"
    with store.connect(path) as conn:
        store.ensure(conn, TABLE)
        store.ensure(conn, TABLE)
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert path.exists()


def test_an_unwritable_place_is_a_usage_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(UsageError, match="DIGEST_STATE"), store.connect(blocker / "state.db"):
        pass


def add_many(path, count):
    with store.connect(path) as conn:
        for _ in range(count):
            with conn:
                conn.execute("INSERT INTO counter VALUES (1)")


def test_two_processes_write_at_once_without_losing_a_row(tmp_path):
    path = tmp_path / "state.db"
    with store.connect(path) as conn:
        store.ensure(conn, TABLE)
    workers = [multiprocessing.Process(target=add_many, args=(path, 200)) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    assert sqlite3.connect(path).execute("SELECT COUNT(*) FROM counter").fetchone()[0] == 400
