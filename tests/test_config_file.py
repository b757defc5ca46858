"""digest.toml: the example `digest init` writes loads, and every bad key is named."""

import subprocess
import sys

import pytest

from digest import configfile
from digest.errors import ConfigError, UsageError
from digest.settings import resolve
from tests.conftest import ROOT
from tests.mailserver import write_config

MAIL = {
    "host": "smtp.example.org",
    "from": "Digest <digest@example.org>",
    "recipients": ["a@example.org"],
    "unsubscribe_mailto": "unsubscribe@example.org",
}


def load(tmp_path, top=None, mail=None, schedule=None, environ=None):
    path = write_config(tmp_path / "digest.toml", top, mail, schedule)
    return resolve({}, environ or {}, configfile.read(path))


def test_init_writes_an_example_that_loads_and_keeps_an_existing_file(tmp_path):
    run = dict(capture_output=True, text=True, cwd=ROOT, timeout=60)
    path = tmp_path / "digest.toml"
    first = subprocess.run([sys.executable, "-m", "digest", "init", "--config", path], **run)
    assert first.returncode == 0, first.stderr
    loaded = resolve({}, {}, configfile.read(path))
    assert loaded.mail.security == "starttls" and loaded.mail.port == 587
    assert loaded.schedule.cron == "0 7 * * *" and loaded.schedule.timezone.key == "Europe/London"
    assert loaded.build.sources == (str(tmp_path / "articles"),)
    second = subprocess.run([sys.executable, "-m", "digest", "init", "--config", path], **run)
    assert second.returncode == 2 and "--force" in second.stderr


def test_paths_are_read_from_the_file_folder_and_the_password_from_the_environment(tmp_path):
    (tmp_path / "people.csv").write_text(
        "email,name\nb@example.org,بشرى\n\na@EXAMPLE.org,Duplicate of a\nc@example.org\n",
        encoding="utf-8",
    )
    loaded = load(
        tmp_path,
        {"sources": ["news"], "out": "/srv/site", "bullets": 3, "translate": False},
        {**MAIL, "recipients_csv": "people.csv", "username": "u"},
        environ={"DIGEST_SMTP_PASSWORD": "pw"},
    )
    assert loaded.build.sources == (str(tmp_path / "news"),)
    assert str(loaded.build.out) == "/srv/site" and loaded.build.bullets == 3
    assert not loaded.build.translate
    assert [(r.email, r.name) for r in loaded.mail.recipients] == [
        ("a@example.org", ""),
        ("b@example.org", "بشرى"),
        ("c@example.org", ""),
    ]
    assert loaded.mail.password == "pw" and "pw" not in repr(loaded.mail)


@pytest.mark.parametrize(
    ("top", "mail", "schedule", "message"),
    [
        ({"sorces": ["x"]}, None, None, "unknown key sorces"),
        ({}, {**MAIL, "hots": "x"}, None, "unknown key mail.hots"),
        ({}, None, {"cron": "0 7 * * *", "timezone": "UTC", "tz": "x"}, "schedule.tz"),
        ({"bullets": 0}, None, None, "bullets: must be between"),
        ({"translate": "no"}, None, None, "translate: expected true or false"),
        ({}, {**MAIL, "port": "25"}, None, "mail.port: expected a number"),
        ({}, {**MAIL, "port": 70000}, None, "mail.port: must be between"),
        ({}, {**MAIL, "security": "tls"}, None, "mail.security: must be one of"),
        ({}, {**MAIL, "password": "x"}, None, "mail.password: .*DIGEST_SMTP_PASSWORD"),
        ({}, {**MAIL, "security": "none", "username": "u"}, None, "mail.username: .*clear"),
        ({}, {**MAIL, "recipients": ["not an address"]}, None, "mail.recipients: 'not an"),
        ({}, {k: v for k, v in MAIL.items() if k != "from"}, None, "mail.from: required"),
        ({}, {**MAIL, "unsubscribe_mailto": None}, None, "mail.unsubscribe_url: set"),
        ({}, {**MAIL, "unsubscribe_url": "http://x.org/u"}, None, "https"),
        ({}, {**MAIL, "unsubscribe_url": "https://x.org/{user}"}, None, "placeholder"),
        ({}, {**MAIL, "recipients_csv": "missing.csv"}, None, "mail.recipients_csv: cannot"),
        ({}, {**MAIL, "subject": "{title}: {headline}"}, None, "mail.subject: the placeholders"),
        ({}, {**MAIL, "subject": "{title"}, None, "mail.subject: bad placeholder"),
        ({}, {**MAIL, "reason": " "}, None, "mail.reason: must not be empty"),
        ({}, {**MAIL, "attempts": 0}, None, "mail.attempts"),
        ({}, None, {"cron": "every day", "timezone": "UTC"}, "schedule.cron: 'every day'"),
        ({}, None, {"cron": "0 7 * * *", "timezone": "Mars/Olympus"}, "schedule.timezone"),
        ({}, None, {"cron": "0 7 * * *"}, "schedule.timezone: required"),
    ],
)
def test_bad_keys_and_values_name_the_key(tmp_path, top, mail, schedule, message):
    if mail is not None:
        mail = {k: v for k, v in mail.items() if v is not None}
    with pytest.raises(ConfigError, match=message):
        load(tmp_path, top, mail, schedule)


def test_a_bad_csv_row_names_the_file_and_line(tmp_path):
    (tmp_path / "people.csv").write_text("a@example.org,A\nnobody,B\n")
    with pytest.raises(ConfigError, match=r"people.csv, line 2"):
        load(tmp_path, {}, {**MAIL, "recipients_csv": "people.csv"})


def test_a_missing_or_broken_file_says_what_to_do(tmp_path):
    with pytest.raises(ConfigError, match="digest init"):
        configfile.read(tmp_path / "absent.toml")
    (tmp_path / "broken.toml").write_text("[mail\nhost = 1")
    with pytest.raises(ConfigError, match="not valid TOML"):
        configfile.read(tmp_path / "broken.toml")


def test_command_line_options_override_the_file(tmp_path):
    path = write_config(tmp_path / "digest.toml", {"out": "from-file"}, MAIL)
    other = tmp_path / "other"
    (other / "2025-01-01").mkdir(parents=True)
    done = subprocess.run(
        [sys.executable, "-m", "digest", "send", "--config", path, "--out", other],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 2
    assert f"cannot read {other / '2025-01-01' / 'issue.json'}" in done.stderr


def test_subject_reason_postal_address_and_site_url_are_read(tmp_path):
    loaded = load(tmp_path, {"site_url": "https://example.org/digest/"}, MAIL)
    assert loaded.build.site_url == "https://example.org/digest/"
    assert loaded.mail.subject == "{title} · {date}: {lead}"
    assert loaded.mail.reason.startswith("You receive this because")
    assert loaded.mail.postal_address is None
    extra = {"subject": "{lead}", "reason": "Because.", "postal_address": "1 High St,   London"}
    loaded = load(tmp_path, {}, {**MAIL, **extra})
    assert (loaded.mail.subject, loaded.mail.reason) == ("{lead}", "Because.")
    assert loaded.mail.postal_address == "1 High St, London"


@pytest.mark.parametrize("url", ["example.org/digest", "ftp://example.org/", "https://", "x y"])
def test_a_site_url_that_is_not_a_web_address_is_a_usage_error(tmp_path, url):
    with pytest.raises(UsageError, match="--site-url .* is not a web address"):
        load(tmp_path, {"site_url": url})
