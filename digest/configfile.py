"""digest.toml: what `digest run`, `send` and `schedule` build and where they mail it.

Every key is checked: an unknown key (a typo would otherwise be ignored and a default used
silently) or a bad value is a ConfigError that names the file and the key. Relative paths in the
file are read from the file's folder, so cron and systemd, which start elsewhere, see the same
files as the editor. The SMTP password is never read from the file, only from
``DIGEST_SMTP_PASSWORD``, so the file can be shared and committed.
"""

from __future__ import annotations

import csv
import os
import string
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formataddr, parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from digest.errors import ConfigError
from digest.summarise import DEFAULT_BULLETS

DEFAULT_PATH = Path("digest.toml")
PASSWORD_VARIABLE = "DIGEST_SMTP_PASSWORD"
SECURITY = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str = ""

    @property
    def key(self) -> str:
        """How the delivery log knows a recipient: mail systems treat addresses caselessly."""
        return self.email.lower()

    def __str__(self) -> str:
        return formataddr((self.name, self.email))


@dataclass(frozen=True)
class MailSettings:
    sender: str
    host: str = "localhost"
    port: int = 587
    security: str = "starttls"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    reply_to: str | None = None
    recipients: tuple[Recipient, ...] = ()
    unsubscribe_url: str | None = None
    unsubscribe_mailto: str | None = None
    ca_file: Path | None = None
    timeout: float = 30.0
    attempts: int = 4
    backoff: float = 5.0


@dataclass(frozen=True)
class ScheduleSettings:
    cron: str
    timezone: ZoneInfo


@dataclass(frozen=True)
class FileConfig:
    path: Path
    sources: tuple[str, ...] = ()
    out: Path = Path("site")
    model: str | None = None
    model_dir: Path | None = None
    bullets: int = DEFAULT_BULLETS
    translate: bool = True
    search: bool = True
    mail: MailSettings | None = None
    schedule: ScheduleSettings | None = None

    def require_mail(self) -> MailSettings:
        if self.mail is None:
            raise ConfigError(f"{self.path}: no [mail] table; `digest init` writes an example")
        return self.mail


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
    """One address as `a@b.org` or `Name <a@b.org>`; plain ASCII, which any SMTP server takes."""
    name, email = parseaddr(value)
    if not valid_email(email):
        raise table.fail(key, f"{value!r} is not an email address")
    return Recipient(email=email, name=name)


def valid_email(email: str) -> bool:
    local, _, domain = email.rpartition("@")
    return bool(local) and "." in domain and email.isascii() and " " not in email


def parse_addresses(values: list[str], option: str) -> tuple[Recipient, ...]:
    """Addresses given on the command line, checked like those in the file."""
    table = Table(Path("command line"), "", {})
    return unique([address(table, option, value) for value in values])


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
        email = cells[0]
        name, found = parseaddr(email)
        if name or found != email or not valid_email(email):
            raise table.fail(
                "recipients_csv", f"{path}, line {number}: {email!r} is not an email address"
            )
        recipients.append(Recipient(email, cells[1] if len(cells) > 1 else ""))
    return recipients


def unique(recipients: list[Recipient]) -> tuple[Recipient, ...]:
    """The first entry for each address wins, so nobody is mailed twice for one issue."""
    seen: dict[str, Recipient] = {}
    for recipient in recipients:
        seen.setdefault(recipient.key, recipient)
    return tuple(seen.values())


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


def read_mail(table: Table, password: str | None) -> MailSettings:
    if "password" in table.values:
        raise table.fail(
            "password",
            f"the password is never read from the file; set {PASSWORD_VARIABLE} instead",
        )
    host = table.text("host") or "localhost"
    security = table.text("security") or "starttls"
    if security not in SECURITY:
        raise table.fail("security", f"must be one of {', '.join(SECURITY)}, got {security!r}")
    port = table.number("port", 1, 65535, integer=True) or DEFAULT_PORTS[security]
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
        password=password,
        reply_to=reply_to,
        recipients=unique(recipients),
        unsubscribe_url=unsubscribe_url,
        unsubscribe_mailto=mailto,
        ca_file=ca_file,
        timeout=float(timeout if timeout is not None else 30),
        attempts=attempts if attempts is not None else 4,
        backoff=float(backoff if backoff is not None else 5),
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


def section(table: Table, key: str, reader: Callable[[Table], Any]) -> Any:
    values = table.take(key, dict, "a table")
    return None if values is None else reader(Table(table.file, f"{key}.", values))


def load(path: Path = DEFAULT_PATH, environ: dict[str, str] | None = None) -> FileConfig:
    environ = os.environ if environ is None else environ
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
    sources = tuple(str(top.path_in_folder(s)) for s in top.strings("sources") or [])
    out = top.path("out") or path.parent / "site"
    model = top.text("model")
    model_dir = top.path("model_dir")
    bullets = top.number("bullets", 1, 50, integer=True) or DEFAULT_BULLETS
    translate = top.take("translate", bool, "true or false")
    search = top.take("search", bool, "true or false")
    password = environ.get(PASSWORD_VARIABLE) or None
    mail = section(top, "mail", lambda table: read_mail(table, password))
    schedule = section(top, "schedule", read_schedule)
    top.finish()
    return FileConfig(
        path=path,
        sources=sources,
        out=out,
        model=model,
        model_dir=model_dir,
        bullets=bullets,
        translate=True if translate is None else translate,
        search=True if search is None else search,
        mail=mail,
        schedule=schedule,
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
