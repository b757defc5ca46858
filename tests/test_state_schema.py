"""The state database's schema version: a file made by the previous release opens and migrates
with its rows intact, a file from a newer digest is refused with one line."""

import datetime as dt
import sqlite3

import pytest

from digest.arabic import normalise
from digest.errors import StateError
from digest.mail.deliveries import DeliveryLog
from digest.runs import history, holding, schedule
from digest.state import schema
from digest.state.rows import rows_in, stamp
from digest.state.store import Store
from digest.translate import memory
from digest.translate.cache import lookup
from tests.test_build import digest

# The tables as digest 0.1.0 created them (git history: digest/translate/cache.py,
# digest/translate/memory.py, digest/runs/history.py, digest/runs/holding.py,
# digest/mail/deliveries.py, digest/runs/schedule.py before the schema version), each run with
# IF NOT EXISTS on every connection and no user_version set.
RELEASE_0_1_0 = (
    """CREATE TABLE IF NOT EXISTS translations (
    model TEXT NOT NULL,
    revision TEXT NOT NULL,
    engine TEXT NOT NULL,
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    review TEXT,
    created TEXT NOT NULL,
    PRIMARY KEY (model, revision, engine, source)
)""",
    """CREATE TABLE IF NOT EXISTS translation_memory (
    model TEXT NOT NULL,
    sentence TEXT NOT NULL,
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    editor TEXT NOT NULL,
    edited TEXT NOT NULL,
    PRIMARY KEY (model, sentence)
)""",
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
    """CREATE TABLE IF NOT EXISTS review_holds (
    issue_date TEXT PRIMARY KEY,
    folder TEXT NOT NULL,
    held TEXT NOT NULL,
    deadline TEXT,
    outcome TEXT,
    decided TEXT
)""",
    """
CREATE TABLE IF NOT EXISTS deliveries (
    issue_date TEXT NOT NULL,
    recipient TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN
        ('pending', 'sending', 'sent', 'refused', 'failed')),
    message_id TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    updated TEXT NOT NULL,
    PRIMARY KEY (issue_date, recipient)
)
""",
    """
CREATE TABLE IF NOT EXISTS schedule_runs (
    tick TEXT PRIMARY KEY,
    started TEXT NOT NULL,
    finished TEXT,
    outcome TEXT
)
""",
)
DAY = dt.date(2026, 11, 30)
KREMLIN = "وقال الكرملين إن المحادثات ستستمر الأسبوع المقبل في موسكو."


def release_file(path, tables=RELEASE_0_1_0):
    """A state file as 0.1.0 left it: its tables, a row in each, WAL, user_version 0."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    for statement in tables:
        conn.execute(statement)
    rows = {
        "translations": ("opus-mt-ar-en", "abc123", "ctranslate2:int8", KREMLIN, "Talks go on.", None, "2026-11-29T08:00:00+00:00"),
        "translation_memory": ("opus-mt-ar-en", normalise(KREMLIN), KREMLIN, "The talks will go on.", "Rana", "2026-11-29T09:00:00+00:00"),
        "issues": (DAY.isoformat(), "/srv/site/2026-11-30", "2026-11-30T06:00:00+00:00"),
        "issue_articles": (DAY.isoformat(), "article-1"),
        "review_holds": (DAY.isoformat(), "/srv/site/2026-11-30", "2026-11-30T06:00:00+00:00", None, None, None),
        "deliveries": (DAY.isoformat(), "r1@example.org", "sent", "<m@x>", 1, None, "2026-11-30T06:01:00+00:00"),
        "schedule_runs": ("2026-11-30T06:00:00+00:00", "2026-11-30T06:00:00+00:00", "2026-11-30T06:02:00+00:00", "sent"),
    }  # fmt: skip
    for table, row in rows.items():
        if any(f"EXISTS {table} (" in statement for statement in tables):
            conn.execute(f"INSERT INTO {table} VALUES ({', '.join('?' * len(row))})", row)
    conn.close()


def test_a_file_of_the_previous_release_opens_migrates_and_keeps_its_rows(tmp_path):
    path = tmp_path / "digest.sqlite3"
    release_file(path)
    store = Store(path)
    with store.connect() as conn:
        assert schema.version(conn) == schema.VERSION
        assert lookup(conn, ("opus-mt-ar-en", "abc123", "ctranslate2:int8"), [KREMLIN])[
            KREMLIN
        ].en == ("Talks go on.")
        assert DeliveryLog(conn).get(DAY, "r1@example.org").status == "sent"
    assert history.earlier_articles(store, DAY + dt.timedelta(days=1)) == {"article-1"}
    assert memory.recall(store, "opus-mt-ar-en", [KREMLIN])[KREMLIN].en == "The talks will go on."
    assert holding.find(store, DAY).folder.name == "2026-11-30"
    assert schedule.runs(store) == [("2026-11-30T06:00:00+00:00", "sent")]


def test_a_file_of_the_previous_release_with_some_tables_gets_the_rest(tmp_path):
    """0.1.0 made a table on its first use, so a file that only ever cached translations has
    one table: the migration must add the others, not assume all or none."""
    path = tmp_path / "digest.sqlite3"
    release_file(path, RELEASE_0_1_0[:1])
    store = Store(path)
    holding.hold(store, DAY, tmp_path / "site" / DAY.isoformat(), dt.datetime.now(dt.UTC), None)
    assert [h.issue_date for h in holding.waiting(store)] == [DAY]
    with store.connect() as conn:
        assert lookup(conn, ("opus-mt-ar-en", "abc123", "ctranslate2:int8"), [KREMLIN])


def test_a_migrated_file_has_the_shape_of_a_new_one(tmp_path):
    def shape(path):
        with Store(path).connect() as conn:
            return {
                name: [column[1:] for column in conn.execute(f"PRAGMA table_info({name})")]
                for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }

    release_file(tmp_path / "old.sqlite3")
    assert shape(tmp_path / "old.sqlite3") == shape(tmp_path / "new.sqlite3")
    assert len(shape(tmp_path / "new.sqlite3")) == 7


def test_a_file_from_a_newer_digest_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "digest.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {schema.VERSION + 1}")
    conn.execute("CREATE TABLE future (x)")
    conn.close()
    with pytest.raises(StateError, match="from a newer digest") as error, Store(path).connect():
        pass
    assert len(str(error.value).splitlines()) == 1
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.VERSION + 1
    assert [n for (n,) in conn.execute("SELECT name FROM sqlite_master")] == ["future"]
    result = digest("cache", "stats", env={"DIGEST_STATE": str(path)})
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: the state database {path} is from a newer digest (schema "
        f"{schema.VERSION + 1}; this one knows up to {schema.VERSION}): upgrade digest, or set "
        "DIGEST_STATE to another file"
    ]


def test_a_migration_that_fails_leaves_the_file_as_it_was(tmp_path, monkeypatch):
    """All of a file's migrations are one transaction: a failing step (here one that names a
    table no release had) rolls back the steps before it and the version."""
    path = tmp_path / "digest.sqlite3"
    release_file(path, RELEASE_0_1_0[:1])
    broken = (*schema.MIGRATIONS, ("CREATE TABLE extra (x)", "INSERT INTO missing VALUES (1)"))
    monkeypatch.setattr(schema, "MIGRATIONS", broken)
    monkeypatch.setattr(schema, "VERSION", len(broken))
    failing = pytest.raises(StateError, match="cannot bring the state database .*no such table")
    with failing, Store(path).connect():
        pass
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 0
    assert [n for (n,) in conn.execute("SELECT name FROM sqlite_master")] == [
        "translations",
        "sqlite_autoindex_translations_1",
    ]


def test_two_processes_migrating_at_once_both_open_the_file(tmp_path):
    import multiprocessing

    path = tmp_path / "digest.sqlite3"
    release_file(path)
    workers = [multiprocessing.Process(target=opened, args=(path,)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    with Store(path).connect() as conn:
        assert schema.version(conn) == schema.VERSION


def opened(path):
    with Store(path).connect() as conn:
        conn.execute("SELECT COUNT(*) FROM translations").fetchone()


def test_lookups_of_many_keys_go_in_chunks_and_find_every_row(tmp_path):
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (k INTEGER, tag TEXT)")
    conn.executemany(
        "INSERT INTO t VALUES (?, ?)", [(n, "a" if n % 3 else "b") for n in range(3000)]
    )
    found = list(
        rows_in(conn, "SELECT k FROM t WHERE tag = ? AND k IN ({keys})", ("a",), range(2500))
    )
    assert sorted(k for (k,) in found) == [n for n in range(2500) if n % 3]


def test_timestamps_are_utc_to_the_second_whatever_the_zone():
    from zoneinfo import ZoneInfo

    moment = dt.datetime(2026, 3, 29, 2, 30, 15, 123456, tzinfo=ZoneInfo("Asia/Riyadh"))
    assert stamp(moment) == "2026-03-28T23:30:15+00:00"
    assert stamp().endswith("+00:00") and "." not in stamp()
