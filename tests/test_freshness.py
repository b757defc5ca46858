"""Old news is left out of an issue, and the build says so in one line."""

import datetime as dt
import json
import logging
import shutil

import pytest
from typer.testing import CliRunner

from digest.cli import app
from digest.errors import NothingNew, UsageError
from digest.ingest.text import parse_text
from digest.pipeline import build
from digest.settings import build_settings
from digest.stories.freshness import describe_age, sort_out
from tests.conftest import SEEDS, SHARED_DATA
from tests.mailserver import smtp_server, write_config
from tests.test_build import digest

BODY = "قال الرئيس إن الاجتماع كان مثمرا للغاية وإن المحادثات ستستمر الأسبوع المقبل في العاصمة."


def dated(day, origin="a.txt", body=BODY):
    return parse_text(f"date {day.isoformat()} {body}\nالمصدر: RT\n", origin=origin)


def test_sort_out_keeps_recent_and_undated_articles_and_counts_the_rest():
    day = dt.date(2026, 1, 10)
    recent, edge, old = (dated(day - dt.timedelta(days=n)) for n in (0, 3, 4))
    undated = parse_text(BODY + "\nالمصدر: RT\n", origin="b.txt")
    fresh = sort_out([recent, edge, old, undated], day, 3)
    assert fresh.kept == (recent, edge, undated)
    assert fresh.stale == (old,)
    assert fresh.summary() == "left out 1 article older than 3 days"
    assert sort_out([old, old], day, 1).summary() == "left out 2 articles older than 1 day"
    assert sort_out([old], day, None).kept == (old,)
    assert describe_age(old, day) == "4 days"
    assert describe_age(undated, day) == "unknown (no publication date)"


def test_a_past_days_issue_leaves_out_what_was_published_after_it():
    """Rebuilding 10 January from an archive: the 11th's report is left out and counted. Today's
    issue keeps a report dated tomorrow: it is tomorrow already in a time zone ahead."""
    day = dt.date(2026, 1, 10)
    before, on, after = (dated(day + dt.timedelta(days=n)) for n in (-5, 0, 1))
    past = sort_out([before, on, after], day, 3, today=dt.date(2026, 2, 1))
    assert past.kept == (on,) and past.stale == (before,) and past.later == (after,)
    assert past.left_out == (before, after)
    assert past.summary() == (
        "left out 1 article older than 3 days and 1 article published after 2026-01-10"
    )
    assert sort_out([on, after], day, 3, today=day).kept == (on, after)
    assert sort_out([on, after], day, 3).kept == (on, after)
    assert sort_out([on, after], day, None, today=dt.date(2026, 2, 1)).kept == (on, after), (
        "--date alone names the issue; it is --max-age that makes a window"
    )


def write(folder, name, day):
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(
        f"date {day.isoformat()} {BODY}\nالمصدر: RT\n".replace("الرئيس", f"الرئيس {name[0]}"),
        encoding="utf-8",
    )


def test_build_is_off_by_default_and_max_age_leaves_out_old_articles(tmp_path, caplog, store):
    caplog.set_level(logging.INFO, logger="digest")
    day = dt.date(2026, 1, 10)
    folder = tmp_path / "in"
    write(folder, "new.txt", day)
    write(folder, "old.txt", day - dt.timedelta(days=30))
    every = build(build_settings([folder], out=tmp_path / "all", translate=False), store)
    assert every.stale == () and len(every.article_ids) == 2
    recent = build(
        build_settings([folder], out=tmp_path / "new", translate=False, max_age=7), store
    )
    assert len(recent.article_ids) == 1 and len(recent.stale) == 1
    assert recent.issue.date == day
    assert "left out 1 article older than 7 days" in caplog.text
    with pytest.raises(NothingNew, match="left out 2 articles older than 7 days"):
        build(
            build_settings(
                [folder], out=tmp_path / "none", translate=False, max_age=7, date=day.replace(2027)
            ),
            store,
        )
    with pytest.raises(UsageError, match="--max-age must be at least 0"):
        build_settings([folder], max_age=-1)


def test_build_command_reports_the_left_out_articles(tmp_path):
    result = digest(
        "build",
        SEEDS,
        "--no-translate",
        "--out",
        tmp_path / "site",
        "--date",
        "2025-08-20",
        "--max-age",
        "3",
    )
    assert result.returncode == 0, result.stderr
    assert "info: left out 1 article older than 3 days" in result.stderr
    issue = json.loads(next((tmp_path / "site").glob("*/issue.json")).read_text())["issue"]
    assert [s["name"] for story in issue["stories"] for s in story["sources"]] == ["RT"]


@pytest.mark.real_data("html")
def test_run_leaves_out_the_2013_and_2019_pages_and_says_so(tmp_path):
    sources = tmp_path / "articles"
    sources.mkdir()
    for page in ("cnn-arabic", "assabah"):
        shutil.copy(SHARED_DATA / "html" / page / "article.html", sources / f"{page}.html")
    with smtp_server() as (server, box):
        mail = {
            "host": "127.0.0.1",
            "port": server.port,
            "security": "none",
            "from": "digest@example.org",
            "recipients": ["a@example.org"],
            "unsubscribe_mailto": "unsubscribe@example.org",
            "attempts": 1,
        }
        top = {"sources": ["articles"], "out": "site", "translate": False}
        path = write_config(tmp_path / "digest.toml", top, mail)
        stale = digest("run", "--config", path)
        assert stale.returncode == 0, stale.stderr
        assert "left out 2 articles older than 3 days: none is recent enough" in stale.stdout
        assert "nothing sent" in stale.stdout and box.received == []
        write(sources, "today.txt", dt.date.today())
        run = digest("run", "--config", path)
        assert run.returncode == 0, run.stderr
        assert "left out 2 articles older than 3 days" in run.stderr
        assert len(box.received) == 1
        issue = json.loads(next((tmp_path / "site").glob("*/issue.json")).read_text())["issue"]
        assert len(issue["stories"]) == 1
        assert issue["stories"][0]["sources"][0]["name"] == "RT"


def test_max_age_in_the_config_file_is_checked(tmp_path):
    path = write_config(tmp_path / "digest.toml", {"sources": ["a"], "max_age": -2})
    result = CliRunner().invoke(app, ["run", "--config", str(path)])
    assert result.exit_code == 2
    assert "max_age: must be between 0 and 36500, got -2" in result.output


@pytest.mark.real_data("news")
def test_a_day_of_the_month_builds_from_the_months_file(tmp_path):
    """The whole March of five outlets in one JSON lines file (13.9 MB), built for the 28th with
    the day before: the day's window, as the labelled days see it, and the rest counted out."""
    month = SHARED_DATA / "news" / "ant-2018-03.jsonl"
    args = ("--no-translate", "--date", "2018-03-28", "--max-age", "1", "--no-search")
    result = digest("build", month, *args, "--out", tmp_path / "site")
    assert result.returncode == 0, result.stderr
    assert "older than 1 day and 441 articles published after 2018-03-28" in result.stderr
    issue = json.loads((tmp_path / "site" / "2018-03-28" / "issue.json").read_text())["issue"]
    dates = {s["published"] for story in issue["stories"] for s in story["sources"]}
    assert dates == {"2018-03-27", "2018-03-28"}
