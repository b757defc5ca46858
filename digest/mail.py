"""Composing an issue as email and sending it over SMTP, one message per recipient, at most once.

Each message is plain text first and HTML last (multipart/alternative: mail programs show the
last part they can), carries List-Unsubscribe headers (large providers reject bulk mail without
them) and the issue's signature. The delivery log (digest/deliveries.py) is written before and
after each SMTP transaction; see there for what a later run does with each status.

Errors are sorted by what they mean for a duplicate: a 4xx reply or a connection lost before the
message is handed over is retried with backoff; a 5xx is recorded and not retried; a connection
lost while the message is being handed over leaves the recipient *uncertain* and is never retried
on its own.
"""

from __future__ import annotations

import datetime as dt
import email.policy
import logging
import re
import secrets
import smtplib
import ssl
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

from digest import store
from digest.configfile import PASSWORD_VARIABLE, MailSettings, Recipient
from digest.deliveries import FAILED, PENDING, REFUSED, SENDING, SENT, DeliveryLog
from digest.errors import MailError

log = logging.getLogger(__name__)

ISSUE_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_BACKOFF_S = 300.0


@dataclass(frozen=True)
class IssueMail:
    """A built issue as mail needs it: Subject from the HTML <title>, both bodies."""

    date: dt.date
    folder: Path
    subject: str
    signature: str | None
    html: str
    text: str


class HeadReader(HTMLParser):
    """The <title> text and the generator signature of an issue page."""

    def __init__(self) -> None:
        super().__init__()
        self.title: list[str] | None = None
        self.in_title = False
        self.generator: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "title" and self.title is None:
            self.title, self.in_title = [], True
        elif tag == "meta" and values.get("name") == "generator":
            self.generator = values.get("content")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False

    def handle_data(self, data: str) -> None:
        if self.in_title and self.title is not None:
            self.title.append(data)


def issue_folder(name: str) -> bool:
    try:
        return bool(ISSUE_FOLDER.match(name)) and bool(dt.date.fromisoformat(name))
    except ValueError:
        return False


def find_issue(out: Path, date: dt.date | None) -> Path:
    """The folder of the issue for ``date``, or the newest YYYY-MM-DD folder when None."""
    if date is not None:
        folder = out / date.isoformat()
        if not folder.is_dir():
            raise MailError(f"no issue {folder}; build it first with `digest build --out {out}`")
        return folder
    dated = sorted(p for p in out.glob("*") if p.is_dir() and issue_folder(p.name))
    if not dated:
        raise MailError(f"no issue under {out}; build one first with `digest build --out {out}`")
    return dated[-1]


def read_issue(folder: Path) -> IssueMail:
    parts = {}
    for name in ("index.html", "digest.txt"):
        try:
            parts[name] = (folder / name).read_text(encoding="utf-8")
        except OSError as error:
            raise MailError(
                f"cannot read {folder / name}: {error.strerror}; rebuild the issue with "
                "`digest build`"
            ) from None
    head = HeadReader()
    head.feed(parts["index.html"])
    subject = " ".join("".join(head.title or []).split())
    if not subject:
        raise MailError(f"{folder / 'index.html'} has no <title> to use as the Subject")
    return IssueMail(
        date=dt.date.fromisoformat(folder.name),
        folder=folder,
        subject=subject,
        signature=head.generator,
        html=parts["index.html"],
        text=parts["digest.txt"],
    )


def sender_address(settings: MailSettings) -> str:
    return parseaddr(settings.sender)[1]


def new_message_id(issue: IssueMail, settings: MailSettings) -> str:
    """Short enough that the header is never folded; 64 random bits keep it unique."""
    domain = sender_address(settings).rpartition("@")[2]
    return f"<digest.{issue.date:%Y%m%d}.{secrets.token_hex(8)}@{domain}>"


def unsubscribe_links(settings: MailSettings, recipient: Recipient) -> list[str]:
    links = []
    if settings.unsubscribe_url:
        links.append(settings.unsubscribe_url.format(email=quote(recipient.email, safe="")))
    if settings.unsubscribe_mailto:
        links.append(f"mailto:{settings.unsubscribe_mailto}?subject=unsubscribe")
    return links


def compose(
    issue: IssueMail,
    recipient: Recipient,
    settings: MailSettings,
    message_id: str,
    when: dt.datetime,
) -> EmailMessage:
    message = EmailMessage(policy=email.policy.SMTP)
    message["Subject"] = issue.subject
    message["From"] = settings.sender
    message["To"] = str(recipient)
    if settings.reply_to:
        message["Reply-To"] = settings.reply_to
    message["Date"] = format_datetime(when)
    message["Message-ID"] = message_id
    message["List-Unsubscribe"] = ", ".join(
        f"<{link}>" for link in unsubscribe_links(settings, recipient)
    )
    if settings.unsubscribe_url:
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    if issue.signature:
        message["X-Digest-Signature"] = issue.signature
    message.set_content(issue.text)
    message.add_alternative(issue.html, subtype="html")
    return message


def write_eml(
    issue: IssueMail, settings: MailSettings, recipients: Sequence[Recipient], folder: Path
) -> list[Path]:
    """`--dry-run`: the exact messages, as files; nothing is sent and the log is not touched."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise MailError(f"cannot create {folder}: {error.strerror}") from None
    when = dt.datetime.now().astimezone()
    paths = []
    for recipient in recipients:
        message = compose(issue, recipient, settings, new_message_id(issue, settings), when)
        name = re.sub(r"[^A-Za-z0-9@._-]", "_", recipient.email)
        path = folder / f"{issue.date.isoformat()}-{name}.eml"
        path.write_bytes(message.as_bytes())
        paths.append(path)
    return paths


class Temporary(Exception):
    """Worth another try: a 4xx reply, or a connection that failed before the hand-over.

    ``connection`` says the server could not be reached or talked to at all, so the other
    recipients would fail the same way.
    """

    def __init__(self, reason: str, connection: bool = False):
        super().__init__(reason)
        self.connection = connection


class Refused(Exception):
    """A 5xx reply for this recipient or message: it will not go through on a retry."""


class Uncertain(Exception):
    """The connection broke while the message was being handed over: it may have arrived."""


def reply_text(code: int, reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return f"{code} {' '.join(text.split())}"


def open_connection(settings: MailSettings) -> smtplib.SMTP:
    """A connection that is encrypted as configured and logged in, or an error saying why not."""
    where = f"{settings.host}:{settings.port}"
    if settings.username and not settings.password:
        raise MailError(f"mail.username is set but {PASSWORD_VARIABLE} is not; export it")
    context = ssl.create_default_context(cafile=settings.ca_file)
    try:
        if settings.security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=settings.timeout, context=context
            )
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    except ssl.SSLCertVerificationError as error:
        raise MailError(untrusted(where, error)) from None
    except (OSError, smtplib.SMTPException) as error:
        raise Temporary(f"cannot connect to {where}: {error}", connection=True) from None
    try:
        smtp.ehlo()
        if settings.security == "starttls":
            if not smtp.has_extn("starttls"):
                raise MailError(
                    f"{where} does not offer STARTTLS and mail.security is starttls, so "
                    "nothing was sent in the clear; enable STARTTLS on the server or use "
                    "security = ssl with its TLS port"
                )
            smtp.starttls(context=context)
            smtp.ehlo()
        if settings.username:
            smtp.login(settings.username, settings.password or "")
    except MailError:
        smtp.close()
        raise
    except ssl.SSLCertVerificationError as error:
        smtp.close()
        raise MailError(untrusted(where, error)) from None
    except smtplib.SMTPAuthenticationError as error:
        smtp.close()
        raise MailError(
            f"{where} refused the login as {settings.username}: "
            f"{reply_text(error.smtp_code, error.smtp_error)}; check mail.username and "
            f"{PASSWORD_VARIABLE}"
        ) from None
    except smtplib.SMTPNotSupportedError:
        smtp.close()
        raise MailError(f"{where} offers no login (AUTH); remove mail.username") from None
    except (OSError, smtplib.SMTPException) as error:
        smtp.close()
        raise Temporary(f"{where}: {error}", connection=True) from None
    return smtp


def untrusted(where: str, error: ssl.SSLCertVerificationError) -> str:
    return (
        f"the TLS certificate of {where} cannot be trusted ({error.verify_message}); nothing "
        "was sent; set mail.ca_file to the certificate of the CA that signed it"
    )


def transmit(
    smtp: smtplib.SMTP,
    message: bytes,
    sender: str,
    recipient: str,
    handing_over: Callable[[], None],
) -> None:
    """One SMTP transaction. ``handing_over`` runs just before DATA: from then on a broken
    connection means the server may have the message."""
    try:
        code, reply = smtp.mail(sender)
        if code != 250:
            if code >= 500:
                raise MailError(
                    f"the server refused the sender {sender}: {reply_text(code, reply)}"
                )
            raise Temporary(reply_text(code, reply))
        code, reply = smtp.rcpt(recipient)
        if code >= 500:
            raise Refused(reply_text(code, reply))
        if code not in (250, 251):
            raise Temporary(reply_text(code, reply))
    except (smtplib.SMTPServerDisconnected, OSError) as error:
        raise Temporary(f"connection lost: {error or 'closed by the server'}", True) from None
    handing_over()
    try:
        code, reply = smtp.data(message)
    except smtplib.SMTPDataError as error:
        code, reply = error.smtp_code, error.smtp_error
    except (smtplib.SMTPServerDisconnected, OSError) as error:
        raise Uncertain(
            f"connection lost while handing over the message: {error or 'closed by the server'}"
        ) from None
    if code != 250:
        text = reply_text(code, reply)
        raise Refused(text) if code >= 500 else Temporary(text)


class Connection:
    """One SMTP connection reused for every recipient, reopened after it breaks."""

    def __init__(self, settings: MailSettings):
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None

    def get(self) -> smtplib.SMTP:
        if self.smtp is None:
            self.smtp = open_connection(self.settings)
        return self.smtp

    def reset(self) -> None:
        """After a refused transaction; a connection that cannot even reset is dropped."""
        if self.smtp is None:
            return
        try:
            self.smtp.rset()
        except (smtplib.SMTPException, OSError):
            self.close()

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
            self.smtp = None


@dataclass(frozen=True)
class Result:
    """Where one recipient stands after a run; ``earlier`` when this run did not change it."""

    recipient: str
    status: str
    error: str | None = None
    earlier: bool = False


@dataclass(frozen=True)
class SendReport:
    issue_date: dt.date
    results: tuple[Result, ...]
    untried: tuple[str, ...] = ()
    stopped: bool = False
    unreachable: str | None = None

    def having(self, status: str) -> list[Result]:
        return [r for r in self.results if r.status == status]

    @property
    def complete(self) -> bool:
        return not self.untried and all(r.status == SENT for r in self.results)

    def summary(self) -> list[str]:
        day = self.issue_date.isoformat()
        sent = self.having(SENT)
        counts = [
            f"{sum(not r.earlier for r in sent)} sent now",
            f"{sum(r.earlier for r in sent)} sent earlier",
            f"{len(self.having(REFUSED))} refused",
            f"{len(self.having(FAILED)) + len(self.having(PENDING))} failed",
            f"{len(self.having(SENDING))} uncertain",
            f"{len(self.untried)} not tried",
        ]
        lines = [f"issue {day}: " + ", ".join(counts)]
        if self.unreachable:
            lines.append(f"stopped: {self.unreachable}; the next run sends the rest")
        if self.stopped:
            lines.append("stopped on request; the next run sends the rest")
        for result in self.having(REFUSED):
            lines.append(f"refused: {result.recipient}: {result.error}")
        for result in self.having(FAILED) + self.having(PENDING):
            lines.append(f"failed: {result.recipient}: {result.error}; the next run retries")
        for result in self.having(SENDING):
            lines.append(
                f"uncertain: {result.recipient}: {result.error}; it may have arrived. Check the "
                f"server's log, then `digest send --date {day} --resend --to "
                f"{result.recipient}` or `digest send --date {day} --mark-sent "
                f"{result.recipient}`"
            )
        return lines


def send_lock(name: str):
    """One sender per state file: two at once could both send to the same recipient."""
    from filelock import FileLock

    path = store.default_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    return FileLock(f"{path}.{name}.lock", timeout=0)


def held_elsewhere(lock, what: str) -> MailError:
    return MailError(f"another {what} is running (it holds {lock.lock_file}); wait for it to end")


def send_issue(
    issue: IssueMail,
    settings: MailSettings,
    recipients: Sequence[Recipient] | None = None,
    *,
    resend: bool = False,
    stop: threading.Event | None = None,
) -> SendReport:
    """Send to every recipient not yet sent; the report says where each one stands."""
    from filelock import Timeout

    recipients = list(settings.recipients if recipients is None else recipients)
    if not recipients:
        raise MailError("no recipients: set mail.recipients or mail.recipients_csv, or give --to")
    stop = stop or threading.Event()
    lock = send_lock("send")
    try:
        lock.acquire()
    except Timeout:
        raise held_elsewhere(lock, "`digest send` or `digest run`") from None
    try:
        with store.connect() as conn:
            return SendRun(issue, settings, DeliveryLog(conn), stop).run(recipients, resend)
    finally:
        lock.release()


class SendRun:
    """One pass over the recipients of one issue."""

    def __init__(
        self, issue: IssueMail, settings: MailSettings, log: DeliveryLog, stop: threading.Event
    ):
        self.issue = issue
        self.settings = settings
        self.log = log
        self.stop = stop
        self.connection = Connection(settings)

    def run(self, recipients: list[Recipient], resend: bool) -> SendReport:
        results: list[Result] = []
        try:
            for index, recipient in enumerate(recipients):
                if self.stop.is_set():
                    return self.report(results, recipients[index:], stopped=True)
                row = self.log.get(self.issue.date, recipient.key)
                if row and not resend and row.status in (SENT, SENDING, REFUSED):
                    results.append(Result(recipient.key, row.status, row.last_error, True))
                    continue
                message_id = row.message_id if row else new_message_id(self.issue, self.settings)
                self.log.prepare(self.issue.date, recipient.key, message_id)
                result, unreachable = self.deliver(recipient, message_id)
                results.append(result)
                if unreachable:
                    return self.report(results, recipients[index + 1 :], unreachable=unreachable)
        finally:
            self.connection.close()
        return self.report(results, [])

    def report(self, results: list[Result], untried: list[Recipient], **state) -> SendReport:
        return SendReport(self.issue.date, tuple(results), tuple(r.key for r in untried), **state)

    def deliver(self, recipient: Recipient, message_id: str) -> tuple[Result, str | None]:
        """Up to ``attempts`` tries with doubling waits; returns the result and, when the server
        could not be reached at all, why (so the run stops instead of failing everyone)."""
        day, key = self.issue.date, recipient.key
        when = dt.datetime.now().astimezone()
        message = compose(self.issue, recipient, self.settings, message_id, when).as_bytes()
        delay = self.settings.backoff
        error = Temporary("not tried")
        for attempt in range(1, self.settings.attempts + 1):
            self.log.mark(day, key, PENDING, tried=True)
            try:
                smtp = self.connection.get()
                transmit(
                    smtp,
                    message,
                    sender_address(self.settings),
                    recipient.email,
                    lambda: self.log.mark(day, key, SENDING),
                )
            except Refused as refused:
                self.log.mark(day, key, REFUSED, str(refused))
                self.connection.reset()
                log.warning("%s refused: %s", key, refused)
                return Result(key, REFUSED, str(refused)), None
            except Uncertain as uncertain:
                self.log.mark(day, key, SENDING, str(uncertain))
                self.connection.close()
                log.error("%s uncertain: %s", key, uncertain)
                return Result(key, SENDING, str(uncertain)), None
            except Temporary as temporary:
                error = temporary
                self.log.mark(day, key, PENDING, str(temporary))
                if temporary.connection:
                    self.connection.close()
                else:
                    self.connection.reset()
                if attempt < self.settings.attempts:
                    log.warning(
                        "%s: try %d of %d failed (%s); again in %.3gs",
                        key,
                        attempt,
                        self.settings.attempts,
                        temporary,
                        delay,
                    )
                    if self.stop.wait(delay):
                        break
                    delay = min(delay * 2, MAX_BACKOFF_S)
            else:
                self.log.mark(day, key, SENT, None)
                log.info("sent to %s", key)
                return Result(key, SENT), None
        self.log.mark(day, key, FAILED, str(error))
        return Result(key, FAILED, str(error)), str(error) if error.connection else None


def mark_sent(issue_date: dt.date, addresses: Sequence[str]) -> list[str]:
    """`--mark-sent`: settle recipients an operator has checked by hand; returns their old status."""
    changed = []
    with store.connect() as conn:
        deliveries = DeliveryLog(conn)
        for address in addresses:
            row = deliveries.get(issue_date, address.lower())
            if row is None:
                raise MailError(f"{address} has no delivery of issue {issue_date} to settle")
            deliveries.mark(issue_date, row.recipient, SENT, f"marked sent (was {row.status})")
            changed.append(row.status)
    return changed
