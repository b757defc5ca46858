"""digest.toml, read strictly: every key checked, and the commented example `digest init` writes.

An unknown key (a typo would otherwise be ignored and a default used silently) or a bad value is a
ConfigError that names the file and the key. The build keys are the fields of
``settings.BuildSettings``, read by their type, so a new build option is a key here without a line
of this file changing. Relative paths in the file are read from the file's folder, so cron and
systemd, which start elsewhere, see the same files as the editor. The SMTP password is never read
from the file (see settings.PASSWORD_VARIABLE), so the file can be shared and committed.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import string
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from digest import settings
from digest.errors import ConfigError
from digest.settings import (
    LINE_BREAK_OR_CONTROL,
    PASSWORD_VARIABLE,
    FileSettings,
    MailSettings,
    Recipient,
    ReviewSettings,
    ScheduleSettings,
    display_name,
    login_name,
    parse_address,
    unique,
)

DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?")
LONGEST_DEADLINE = dt.timedelta(days=7)
UNAPPROVED = ("skip", "send")


class Table:
    """One TOML table being read: each key is taken once, whatever is left over is unknown."""

    def __init__(self, file: Path, prefix: str, values: dict[str, Any]):
        self.file = file
        self.prefix = prefix
        self.values = dict(values)
        self.known: list[str] = []

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.file}: {self.prefix}{key}: {problem}")

    def take(self, key: str, kind: type | tuple[type, ...], describe: str) -> Any:
        self.known.append(key)
        value = self.values.pop(key, None)
        if value is None:
            return None
        if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
            raise self.fail(key, f"expected {describe}, got {value!r}")
        if not isinstance(value, kind):
            raise self.fail(key, f"expected {describe}, got {value!r}")
        return value

    def text(self, key: str) -> str | None:
        value = self.take(key, str, "a string")
        if value is not None and not value.strip():
            raise self.fail(key, "must not be empty")
        return value

    def number(self, key: str, low: float, high: float, integer: bool = False) -> Any:
        value = self.take(key, int if integer else (int, float), "a number")
        if value is not None and not low <= value <= high:
            raise self.fail(key, f"must be between {low} and {high}, got {value!r}")
        return value

    def strings(self, key: str) -> list[str] | None:
        value = self.take(key, list, "a list of strings")
        if value is not None and not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(key, f"expected a list of non-empty strings, got {value!r}")
        return value

    def path(self, key: str) -> Path | None:
        value = self.text(key)
        return None if value is None else self.path_in_folder(value)

    def path_in_folder(self, value: str) -> Path:
        path = Path(value).expanduser()
        return path if path.is_absolute() else self.file.parent / path

    def finish(self) -> None:
        if self.values:
            unknown = ", ".join(f"{self.prefix}{key}" for key in sorted(self.values))
            known = ", ".join(self.known)
            raise ConfigError(f"{self.file}: unknown key {unknown}; the keys here are: {known}")


def address(table: Table, key: str, value: str) -> Recipient:
    try:
        return parse_address(value)
    except ValueError as error:
        raise table.fail(key, str(error)) from None


def read_recipients_csv(table: Table, path: Path) -> list[Recipient]:
    """Rows of `email,name`; a first row `email,name` is a header. Blank lines are skipped."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise table.fail("recipients_csv", f"cannot read {path}: {error.strerror}") from None
    recipients = []
    for number, row in enumerate(csv.reader(text.splitlines()), start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells) or (number == 1 and cells[0].lower() == "email"):
            continue
        if len(cells) > 2:
            raise table.fail("recipients_csv", f"{path}, line {number}: expected email,name")
        try:
            recipient = parse_address(cells[0])
        except ValueError as error:
            raise table.fail("recipients_csv", f"{path}, line {number}: {error}") from None
        if recipient.name or recipient.email != cells[0]:
            raise table.fail(
                "recipients_csv", f"{path}, line {number}: {cells[0]!r} is not an email address"
            )
        try:
            name = display_name(cells[1], ",".join(row)) if len(cells) > 1 else ""
        except ValueError as error:
            raise table.fail("recipients_csv", f"{path}, line {number}: {error}") from None
        recipients.append(Recipient(recipient.email, name))
    return recipients


def read_unsubscribe_url(table: Table) -> str | None:
    url = table.text("unsubscribe_url")
    if url is None:
        return None
    if urlsplit(url).scheme != "https":
        raise table.fail(
            "unsubscribe_url", "must be an https:// URL (one-click unsubscribe requires HTTPS)"
        )
    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(url) if name is not None}
    except ValueError as error:
        raise table.fail("unsubscribe_url", f"bad placeholder: {error}") from None
    if fields - {"email"}:
        raise table.fail(
            "unsubscribe_url", f"the only placeholder is {{email}}, found {sorted(fields)}"
        )
    return url


def read_subject(table: Table) -> str:
    """The Subject template: only {title}, {date} and {lead}, checked here rather than at the
    first send."""
    subject = table.text("subject")
    if subject is None:
        return settings.DEFAULT_SUBJECT
    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(subject) if name is not None}
    except ValueError as error:
        raise table.fail("subject", f"bad placeholder: {error}") from None
    if fields - set(settings.SUBJECT_FIELDS):
        raise table.fail(
            "subject",
            f"the placeholders are {{title}}, {{date}} and {{lead}}, found {sorted(fields)}",
        )
    return subject


def read_mail(table: Table) -> MailSettings:
    if "password" in table.values:
        raise table.fail(
            "password",
            f"the password is never read from the file; set {PASSWORD_VARIABLE} instead",
        )
    host = table.text("host") or settings.default_of(MailSettings, "host")
    security = table.text("security") or settings.default_of(MailSettings, "security")
    if security not in settings.SECURITY:
        raise table.fail(
            "security", f"must be one of {', '.join(settings.SECURITY)}, got {security!r}"
        )
    port = table.number("port", 1, 65535, integer=True) or settings.DEFAULT_PORTS[security]
    username = table.text("username")
    if username and security == "none":
        raise table.fail(
            "username",
            "logging in without TLS would send the password in the clear; "
            "set security to starttls or ssl",
        )
    sender_text = table.text("from")
    if sender_text is None:
        raise table.fail("from", "required: the address the issue is sent from")
    address(table, "from", sender_text)
    reply_to = table.text("reply_to")
    if reply_to is not None:
        address(table, "reply_to", reply_to)
    recipients = [address(table, "recipients", v) for v in table.strings("recipients") or []]
    csv_path = table.path("recipients_csv")
    if csv_path is not None:
        recipients += read_recipients_csv(table, csv_path)
    unsubscribe_url = read_unsubscribe_url(table)
    mailto = table.text("unsubscribe_mailto")
    if mailto is not None:
        mailto = address(table, "unsubscribe_mailto", mailto.removeprefix("mailto:")).email
    if unsubscribe_url is None and mailto is None:
        raise table.fail(
            "unsubscribe_url",
            "set unsubscribe_url and/or unsubscribe_mailto: large mail providers reject bulk "
            "mail without a List-Unsubscribe header",
        )
    subject = read_subject(table)
    reason = table.text("reason") or settings.default_of(MailSettings, "reason")
    postal_address = table.text("postal_address")
    ca_file = table.path("ca_file")
    if ca_file is not None and not ca_file.is_file():
        raise table.fail("ca_file", f"no such file: {ca_file}")
    timeout = table.number("timeout", 1, 600)
    attempts = table.number("attempts", 1, 20, integer=True)
    backoff = table.number("backoff", 0, 3600)
    table.finish()
    return MailSettings(
        sender=sender_text,
        host=host,
        port=port,
        security=security,
        username=username,
        reply_to=reply_to,
        recipients=unique(recipients),
        unsubscribe_url=unsubscribe_url,
        unsubscribe_mailto=mailto,
        subject=subject,
        reason=" ".join(reason.split()),
        postal_address=" ".join(postal_address.split()) if postal_address else None,
        ca_file=ca_file,
        **{
            key: value
            for key, value in (("timeout", timeout), ("attempts", attempts), ("backoff", backoff))
            if value is not None
        },
    )


def read_schedule(table: Table) -> ScheduleSettings:
    from croniter import croniter

    cron = table.text("cron")
    if cron is None:
        raise table.fail("cron", 'required: a cron expression such as "0 7 * * *"')
    if not croniter.is_valid(cron):
        raise table.fail("cron", f"{cron!r} is not a cron expression (minute hour day month dow)")
    zone = table.text("timezone")
    if zone is None:
        raise table.fail("timezone", 'required: an IANA time zone such as "Europe/London"')
    try:
        timezone = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise table.fail("timezone", f"unknown time zone {zone!r}") from None
    table.finish()
    return ScheduleSettings(cron=cron, timezone=timezone)


def duration(text: str) -> dt.timedelta | None:
    """A duration written as "90m", "2h", "1h30m" or "1d"; None when the text is none."""
    match = DURATION.fullmatch(text.strip().lower())
    if not match or not any(match.groups()):
        return None
    days, hours, minutes = (int(part or 0) for part in match.groups())
    return dt.timedelta(days=days, hours=hours, minutes=minutes)


def read_review(table: Table) -> ReviewSettings:
    """The top-level review keys: ``review``, ``editor``, ``review_deadline`` and
    ``review_unapproved``."""
    required = table.take("review", bool, "true or false")
    editor = table.text("editor")
    if editor is not None and LINE_BREAK_OR_CONTROL.search(editor):
        raise table.fail("editor", f"{editor!r} holds a line break or a control character")
    deadline_text = table.text("review_deadline")
    deadline = None
    if deadline_text is not None:
        deadline = duration(deadline_text)
        if deadline is None or not dt.timedelta(0) < deadline <= LONGEST_DEADLINE:
            raise table.fail(
                "review_deadline",
                f'expected a time after the scheduled send such as "90m", "2h" or '
                f'"1h30m" (more than 0, at most 7 days), got {deadline_text!r}',
            )
    unapproved = table.text("review_unapproved") or "skip"
    if unapproved not in UNAPPROVED:
        raise table.fail(
            "review_unapproved",
            f"must be send or skip (what happens to an issue nobody approved by the deadline), "
            f"got {unapproved!r}",
        )
    return ReviewSettings(
        required=bool(required),
        editor=editor.strip() if editor else login_name(),
        deadline=deadline,
        unapproved=unapproved,
    )


def section(table: Table, key: str, reader: Callable[[Table], Any]) -> Any:
    values = table.take(key, dict, "a table")
    return None if values is None else reader(Table(table.file, f"{key}.", values))


def read_build(table: Table) -> dict[str, Any]:
    """The keys named after BuildSettings fields, each read as its type says."""
    values: dict[str, Any] = {}
    for item in settings.build_fields():
        how, kind, key = settings.describe(item), settings.value_type(item), item.name
        if kind is bool:
            value: Any = table.take(key, bool, "true or false")
        elif kind is int:
            value = table.number(key, how.low or 0, how.high or 2**31, integer=True)
        elif kind is Path:
            value = table.path(key)
        elif kind is dt.date:
            value = table.take(key, dt.date, "a date such as 2025-08-16 (no quotes)")
        elif kind is str:
            value = table.text(key)
            if value is not None and how.choices and value not in how.choices:
                raise table.fail(key, f"must be one of {', '.join(how.choices)}, got {value!r}")
        elif how.entries:
            value = table.strings(key)
            if value is not None:
                try:
                    how.entries(value)
                except ValueError as error:
                    raise table.fail(key, str(error)) from None
                value = tuple(value)
        else:
            value = table.strings(key)
            if value is not None:
                value = tuple(source_in_folder(table, source) for source in value)
        if value is not None:
            values[key] = value
    return values


def source_in_folder(table: Table, source: str) -> str:
    """A file or folder relative to the config file; a URL as it is."""
    return (
        source
        if urlsplit(source).scheme in ("http", "https")
        else str(table.path_in_folder(source))
    )


def read(path: Path) -> FileSettings:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"no configuration file {path}; write an example with `digest init` or pass --config"
        ) from None
    except OSError as error:
        raise ConfigError(f"cannot read {path}: {error.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path} is not valid TOML: {error}") from None
    top = Table(path, "", data)
    build = read_build(top)
    build.setdefault("out", path.parent / settings.default_of(settings.BuildSettings, "out"))
    state = top.path("state")
    review = read_review(top)
    mail = section(top, "mail", read_mail)
    schedule = section(top, "schedule", read_schedule)
    top.finish()
    return FileSettings(
        path=path, build=build, state=state, mail=mail, schedule=schedule, review=review
    )


def write_example(path: Path, force: bool = False) -> Path:
    """`digest init`: the commented example configuration; an existing file is kept."""
    from digest.resources import bundled

    if path.exists() and not force:
        raise ConfigError(f"{path} exists; edit it, or pass --force to replace it")
    try:
        path.write_text(
            (bundled("templates") / "digest.toml").read_text(encoding="utf-8"), encoding="utf-8"
        )
    except OSError as error:
        raise ConfigError(f"cannot write {path}: {error.strerror}") from None
    return path
