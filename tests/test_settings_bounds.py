"""Settings in one place: every bound checked on every path (command line, environment, file),
defaults written once, and one "today" in the issue's time zone."""

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from digest import configfile, dates
from digest.errors import ConfigError, UsageError
from digest.ingest.article import plausible
from digest.pipeline import issue_date
from digest.runs import schedule
from digest.settings import (
    BuildSettings,
    MailSettings,
    ScheduleSettings,
    Settings,
    build_fields,
    describe,
    resolve,
)
from tests.test_build import digest


def bounded():
    return [(item.name, describe(item)) for item in build_fields() if describe(item).high]


def test_every_upper_bound_holds_from_the_command_line_and_the_file(tmp_path):
    assert {name for name, _ in bounded()} >= {"bullets", "threads", "max_age"}
    for name, how in bounded():
        flag = "--" + name.replace("_", "-")
        with pytest.raises(UsageError, match=f"{flag} must be at most {how.high}, got"):
            resolve({name: how.high + 1}, {}, None)
        assert getattr(resolve({name: how.high}, {}, None).build, name) == how.high
        path = tmp_path / f"{name}.toml"
        path.write_text(f"{name} = {how.high + 1}\n", encoding="utf-8")
        with pytest.raises(ConfigError, match=name):
            configfile.read(path)


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["build", "seeds/", "--bullets", "999"], "error: --bullets must be at most 50, got 999"),
        (["build", "seeds/", "--threads", "5000"], "error: --threads must be at most 1024, got 5000"),
        (["summarise", "seeds/000_b8ca79493ea0142d.txt", "-k", "999"], "error: -k must be at most 50, got 999"),
        (["summarise", "seeds/000_b8ca79493ea0142d.txt", "-k", "0"], "error: -k must be at least 1, got 0"),
    ],
)  # fmt: skip
def test_the_command_line_refuses_what_the_file_refuses_with_one_line(tmp_path, args, line):
    result = digest(*args, *(["--out", tmp_path] if args[0] == "build" else []))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [line]
    assert not (tmp_path / "index.html").exists()


def test_a_mail_table_with_only_what_is_required_takes_the_declared_defaults(tmp_path):
    path = tmp_path / "digest.toml"
    path.write_text(
        '[mail]\nfrom = "d@example.org"\nunsubscribe_mailto = "u@example.org"\n', encoding="utf-8"
    )
    mail = configfile.read(path).mail
    declared = MailSettings(sender="d@example.org", unsubscribe_mailto="u@example.org")
    assert mail == declared
    assert configfile.read(path).build["out"] == tmp_path / BuildSettings().out


def test_today_is_the_issues_date_in_its_time_zone_everywhere(tmp_path):
    late = dt.datetime(2026, 11, 29, 23, 30, tzinfo=dt.UTC)
    riyadh = ZoneInfo("Asia/Riyadh")
    settings = Settings(
        build=BuildSettings(),
        state=tmp_path / "s.db",
        schedule=ScheduleSettings("0 7 * * *", riyadh),
    )
    assert settings.zone == riyadh and Settings(BuildSettings(), tmp_path / "s.db").zone is None
    assert schedule.today(settings, late) == dates.today(riyadh, late) == dt.date(2026, 11, 30)
    assert dates.today(ZoneInfo("America/New_York"), late) == dt.date(2026, 11, 29)
    undated = issue_date(BuildSettings(), (), riyadh)
    assert undated == dates.today(riyadh)
    asked = dataclasses.replace(BuildSettings(), date=dt.date(2025, 8, 16))
    assert issue_date(asked, (), riyadh) == dt.date(2025, 8, 16)


def test_a_publication_date_is_plausible_up_to_today_anywhere_on_earth():
    assert dates.latest_today(dt.datetime(2026, 11, 29, 10, 0, tzinfo=dt.UTC)) == dt.date(
        2026, 11, 30
    )
    assert plausible(dates.latest_today())
    assert not plausible(dates.latest_today() + dt.timedelta(days=1))
