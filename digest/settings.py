"""Every setting of digest (build, mail, schedule, state file) and the one order they are taken in.

A value comes from the command line, else the environment, else digest.toml, else the default
written here. A build option is one field of BuildSettings: its metadata holds the help, the
environment variable (where it has one) and the checks, so the same field is an option of
`digest build`, `run` and `schedule` and a key of digest.toml without being listed anywhere else.

Only the command line calls ``resolve``; everything below it is handed the settings and the state
file it needs, and reads no environment variable of digest's.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.utils import formataddr, getaddresses
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from digest.engines import BACKENDS, DEVICES, available_cores
from digest.errors import ConfigError, UsageError
from digest.news import DEFAULT_BULLETS
from digest.sanitise import UNSAFE
from digest.stories import ranking
from digest.stories.freshness import RUN_MAX_AGE

STATE_VARIABLE = "DIGEST_STATE"
MODEL_DIR_VARIABLE = "DIGEST_MODEL_DIR"
PASSWORD_VARIABLE = "DIGEST_SMTP_PASSWORD"
SECTIONS_VARIABLE = "DIGEST_SECTIONS"
CONFIG_FILE = Path("digest.toml")
TRUE_WORDS, FALSE_WORDS = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


@dataclass(frozen=True)
class Option:
    """How a build setting is given and checked; ``flag`` names a boolean's on/off pair.

    ``entries`` checks a list setting other than the sources (ValueError saying what is wrong);
    on the command line and in the environment such a list is written with commas.
    """

    help: str
    env: str | None = None
    flag: str | None = None
    low: int | None = None
    high: int | None = None
    choices: tuple[str, ...] = ()
    folder: bool = False
    web: bool = False
    entries: Callable[[Sequence[str]], object] | None = None


def option(default: Any, help: str, **how: Any) -> Any:
    return field(default=default, metadata={"option": Option(help, **how)})


@dataclass(frozen=True)
class BuildSettings:
    """What one issue is built from and how."""

    sources: tuple[str, ...] = option(
        (), "Article files (text, HTML, feeds, JSON lines), folders, or URLs."
    )
    out: Path = option(Path("site"), "Output folder.")
    date: dt.date | None = option(
        None,
        "Issue date, YYYY-MM-DD (build: the newest article's; run: today in the schedule's "
        "time zone).",
    )
    model: str | None = option(None, "Model name from models.lock (default: its default).")
    model_dir: Path | None = option(
        None,
        "A model folder (with config.json), or a folder of model folders named as in models.lock.",
        env=MODEL_DIR_VARIABLE,
    )
    bullets: int = option(DEFAULT_BULLETS, "Bullets per story.", low=1, high=50)
    stories: int = option(
        ranking.DEFAULT_STORIES,
        "Stories told in full (headline and bullets) in the issue and the mail.",
        low=1,
        high=200,
    )
    also_reported: int = option(
        ranking.DEFAULT_ALSO_REPORTED,
        'Stories after those, one line each under "Also reported"; the rest are counted and '
        "listed on the site's issue page only.",
        low=0,
        high=1000,
    )
    sections: tuple[str, ...] = option(
        ranking.DEFAULT_SECTIONS,
        "Sections in the order their stories come, comma-separated: a+b ranks sections "
        "together, sport:3 carries at most 3, an unnamed section stays on the site; other is "
        "the stories of no known section.",
        env=SECTIONS_VARIABLE,
        entries=ranking.parse,
    )
    translate: bool = option(
        True, "Translate, or preview Arabic only.", flag="--translate/--no-translate"
    )
    strict: bool = option(False, "Fail (exit 1) if any article fails.", flag="--strict/--no-strict")
    templates: Path | None = option(
        None, "A folder of templates that replace the built-in ones by name.", folder=True
    )
    fetch_articles: bool = option(
        False,
        "For feeds: fetch each entry's linked page and extract the full article.",
        flag="--fetch-articles/--no-fetch-articles",
    )
    allow_private_urls: bool = option(
        False,
        "With fetch_articles: also fetch feed links to loopback, private and link-local "
        "addresses (refused by default; URLs you name are always fetched).",
        flag="--allow-private-urls/--no-allow-private-urls",
    )
    backend: str = option(
        "auto",
        "auto (CTranslate2 when the model is converted, else transformers), transformers or "
        "ctranslate2.",
        choices=BACKENDS,
    )
    threads: int | None = option(
        None,
        "CPU threads for translation (default: the cores this process may use, "
        f"{available_cores()} here).",
        low=1,
        high=1024,
    )
    device: str = option(
        "auto", "cpu, cuda, or auto (a CUDA GPU when there is one).", choices=DEVICES
    )
    max_age: int | None = option(
        None,
        "Leave out articles published more than this many days before the issue date "
        f"(build: no limit; run and schedule: {RUN_MAX_AGE}).",
        low=0,
        high=36500,
    )
    site_url: str | None = option(
        None,
        "The site's public address (https://example.org/digest/): the issue page and the mail "
        "link to it absolutely. Without it the mail carries no link to the site.",
        web=True,
    )
    search: bool = option(
        True,
        "Index the site for full-text search (Pagefind) and write search.html.",
        flag="--search/--no-search",
    )


def build_fields() -> tuple[dataclasses.Field, ...]:
    return dataclasses.fields(BuildSettings)


def describe(item: dataclasses.Field) -> Option:
    return item.metadata["option"]


def value_type(item: dataclasses.Field) -> Any:
    """The field's type without its ``| None``: str, int, bool, Path, dt.date or a tuple."""
    kind = typing.get_type_hints(BuildSettings)[item.name]
    options = [arg for arg in typing.get_args(kind) if arg is not type(None)]
    return options[0] if typing.get_origin(kind) is not tuple and options else kind


def flag_name(name: str) -> str:
    return "--" + name.replace("_", "-")


LINE_BREAK_OR_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str = ""

    @property
    def key(self) -> str:
        """How the delivery log knows a recipient: domains are caseless, but the part before
        the @ is the receiving server's to interpret, so it is kept as written."""
        local, _, domain = self.email.rpartition("@")
        return f"{local}@{domain.lower()}"

    def __str__(self) -> str:
        return formataddr((self.name, self.email))


def parse_address(value: str) -> Recipient:
    """Exactly one address, `a@b.org` or `Name <a@b.org>`, plain ASCII, which any SMTP server
    takes; ValueError if not. An entry holding a line break, or two addresses, is refused, not
    read as its first address: `Evil\\r\\nBcc: x@evil.org <a@b.org>` must not mail x@evil.org."""
    from email_validator import EmailNotValidError, validate_email

    if LINE_BREAK_OR_CONTROL.search(value):
        raise ValueError(f"{value!r} holds a line break or a control character")
    found = [pair for pair in getaddresses([value]) if any(pair)]
    if len(found) != 1:
        raise ValueError(f"{value!r} is not exactly one email address; give one per entry")
    name, email = found[0]
    try:
        validate_email(email, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as error:
        raise ValueError(f"{value!r} is not an email address ({error})") from None
    return Recipient(email=email, name=display_name(name, value))


def display_name(name: str, entry: str) -> str:
    """``name`` as a mail program shows it, RFC 2047 encoded words decoded, and checked as the
    address is: an encoded CR LF (``=?utf-8?q?Evil=0D=0ABcc=3A…?=``) is a line break too, and
    would stop every send at this recipient. ValueError naming ``entry`` if it cannot be sent."""
    try:
        decoded = str(make_header(decode_header(name)))
    except (HeaderParseError, LookupError, UnicodeError):
        raise ValueError(f"{entry!r}: the name's encoded words cannot be decoded") from None
    if LINE_BREAK_OR_CONTROL.search(decoded) or UNSAFE.search(decoded):
        raise ValueError(
            f"{entry!r}: the name holds a line break, a control or a bidi override once decoded"
        )
    return decoded


def unique(recipients: list[Recipient]) -> tuple[Recipient, ...]:
    """The first entry for each address wins, so nobody is mailed twice for one issue."""
    seen: dict[str, Recipient] = {}
    for recipient in recipients:
        seen.setdefault(recipient.key, recipient)
    return tuple(seen.values())


def parse_addresses(values: list[str], option_name: str) -> tuple[Recipient, ...]:
    """Addresses given on the command line."""
    try:
        return unique([parse_address(value) for value in values])
    except ValueError as error:
        raise UsageError(f"{option_name}: {error}") from None


DEFAULT_SUBJECT = "{title} · {date}: {lead}"
SUBJECT_FIELDS = ("title", "date", "lead")
DEFAULT_REASON = "You receive this because you subscribed to this digest."
SECURITY = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


@dataclass(frozen=True)
class MailSettings:
    sender: str
    host: str = "localhost"
    port: int = DEFAULT_PORTS["starttls"]
    security: str = SECURITY[0]
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    reply_to: str | None = None
    recipients: tuple[Recipient, ...] = ()
    unsubscribe_url: str | None = None
    unsubscribe_mailto: str | None = None
    subject: str = DEFAULT_SUBJECT
    reason: str = DEFAULT_REASON
    postal_address: str | None = None
    ca_file: Path | None = None
    timeout: float = 30.0
    attempts: int = 4
    backoff: float = 5.0


def default_of(settings_type: Any, name: str) -> Any:
    """A settings field's default, as the dataclass declares it: readers of digest.toml take
    a missing key's value from here, so no default is written twice."""
    found = next(item for item in dataclasses.fields(settings_type) if item.name == name)
    return found.default


PREVIEW_MAIL = MailSettings(sender="Arabic press digest <digest@example.invalid>")
"""What `digest send --dry-run --to ADDR` composes with when there is no [mail] table."""


@dataclass(frozen=True)
class ScheduleSettings:
    cron: str
    timezone: ZoneInfo


def login_name() -> str:
    """Who edits when digest.toml names no editor: the account's login name."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "editor"


@dataclass(frozen=True)
class ReviewSettings:
    """Editor review (`digest review`): who edits, and whether mail waits for an approval.

    ``required`` holds `digest run`, `schedule` and `send` until the issue is approved;
    ``deadline`` (e.g. "2h" after the scheduled time) and ``unapproved`` ("send" or "skip")
    say what happens to an issue nobody approved in time.
    """

    required: bool = False
    editor: str = field(default_factory=login_name)
    deadline: dt.timedelta | None = None
    unapproved: str = "skip"


@dataclass(frozen=True)
class FileSettings:
    """What a digest.toml says: build values by field name (only those it sets), the rest read."""

    path: Path
    build: Mapping[str, Any] = field(default_factory=dict)
    state: Path | None = None
    mail: MailSettings | None = None
    schedule: ScheduleSettings | None = None
    review: ReviewSettings = field(default_factory=ReviewSettings)


@dataclass(frozen=True)
class Settings:
    build: BuildSettings
    state: Path
    config: Path | None = None
    mail: MailSettings | None = None
    schedule: ScheduleSettings | None = None
    review: ReviewSettings = field(default_factory=ReviewSettings)

    @property
    def zone(self) -> ZoneInfo | None:
        """The issue's time zone: the schedule's, else None (the machine's)."""
        return self.schedule.timezone if self.schedule else None

    def where(self) -> str:
        return str(self.config) if self.config else f"no {CONFIG_FILE}"

    def require_mail(self) -> MailSettings:
        if self.mail is None:
            raise ConfigError(f"{self.where()}: no [mail] table; `digest init` writes an example")
        return self.mail

    def require_schedule(self) -> ScheduleSettings:
        if self.schedule is None:
            raise ConfigError(f"{self.where()}: no [schedule] table; set cron and timezone there")
        return self.schedule


def default_state(environ: Mapping[str, str]) -> Path:
    """The XDG state folder, so state survives a fresh checkout."""
    base = environ.get("XDG_STATE_HOME", "").strip()
    root = Path(base) if base else Path(environ.get("HOME", "") or Path.home()) / ".local/state"
    return root / "digest" / "digest.sqlite3"


def state_path(environ: Mapping[str, str], file: FileSettings | None = None) -> Path:
    given = environ.get(STATE_VARIABLE, "").strip()
    if given:
        return Path(given).expanduser()
    if file is not None and file.state is not None:
        return file.state
    return default_state(environ)


def from_environment(item: dataclasses.Field, variable: str, text: str) -> Any:
    kind = value_type(item)
    if kind is bool:
        if text.lower() not in TRUE_WORDS + FALSE_WORDS:
            raise UsageError(f"${variable}: expected true or false, got {text!r}")
        return text.lower() in TRUE_WORDS
    if kind is int:
        try:
            return int(text)
        except ValueError:
            raise UsageError(f"${variable}: expected a whole number, got {text!r}") from None
    if kind is Path:
        return Path(text).expanduser()
    return text


def parse_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--date: {value!r} is not a date; write YYYY-MM-DD") from None


def checked(values: Mapping[str, Any]) -> BuildSettings:
    """BuildSettings from typed values, each checked as its field says."""
    values = dict(values)
    if isinstance(values.get("date"), str):
        values["date"] = parse_date(values["date"])
    if "sources" in values:
        values["sources"] = tuple(str(source) for source in values["sources"])
    for item in build_fields():
        given = values.get(item.name)
        if describe(item).entries and given is not None:
            entries = given.split(",") if isinstance(given, str) else given
            values[item.name] = tuple(entry.strip() for entry in entries if entry.strip())
    settings = BuildSettings(**values)
    for item in build_fields():
        how, value = describe(item), getattr(settings, item.name)
        name = flag_name(item.name)
        if value is None:
            continue
        within(name, value, how)
        if how.entries:
            try:
                how.entries(value)
            except ValueError as error:
                raise UsageError(f"{name}: {error}") from None
        if how.choices and value not in how.choices:
            raise UsageError(f"{name} must be one of {', '.join(how.choices)}, got {value!r}")
        if how.folder and not Path(value).is_dir():
            raise UsageError(f"{name} {value}: no such folder; name a folder of templates")
        if how.web and not web_address(value):
            raise UsageError(
                f"{name} {value!r} is not a web address; write it whole, such as "
                "https://example.org/digest/"
            )
    return settings


def within(name: str, value: Any, how: Option) -> None:
    """The one check of a number's bounds, whichever way it was given."""
    if how.low is not None and value < how.low:
        raise UsageError(f"{name} must be at least {how.low}, got {value}")
    if how.high is not None and value > how.high:
        raise UsageError(f"{name} must be at most {how.high}, got {value}")


def option_of(name: str) -> Option:
    return describe(next(item for item in build_fields() if item.name == name))


def web_address(value: str) -> bool:
    parts = urlsplit(value)
    return (
        parts.scheme in ("http", "https")
        and bool(parts.netloc)
        and value.isascii()
        and (" " not in value)
    )


def build_settings(sources: Any, **values: Any) -> BuildSettings:
    """Settings for one build from Python (a script, the tests): the same checks as the CLI's."""
    return checked({"sources": tuple(sources), **values})


def resolve(
    options: Mapping[str, Any], environ: Mapping[str, str], file: FileSettings | None
) -> Settings:
    """The settings in force: each value from the command line (``options``, None or empty when
    not given), else the environment, else the file, else the default."""
    values: dict[str, Any] = {}
    for item in build_fields():
        given = options.get(item.name)
        variable = describe(item).env
        text = environ.get(variable, "").strip() if variable else ""
        if given is not None and given != () and given != []:
            values[item.name] = given
        elif variable and text:
            values[item.name] = from_environment(item, variable, text)
        elif file is not None and item.name in file.build:
            values[item.name] = file.build[item.name]
    mail = file.mail if file else None
    if mail is not None:
        mail = dataclasses.replace(mail, password=environ.get(PASSWORD_VARIABLE) or None)
    return Settings(
        build=checked(values),
        state=state_path(environ, file),
        config=file.path if file else None,
        mail=mail,
        schedule=file.schedule if file else None,
        review=file.review if file else ReviewSettings(),
    )


def require_sources(build: BuildSettings, command: str) -> None:
    if not build.sources:
        raise UsageError(
            f"no sources given; name files or folders of articles (`digest {command} seeds/`) "
            f"or set sources in {CONFIG_FILE}"
        )
