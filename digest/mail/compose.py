"""Composing an issue as email and sending it, one message per recipient, at most once.

Each message is plain text first and HTML last (multipart/alternative: mail programs show the
last part they can), carries List-Unsubscribe headers (large providers reject bulk mail without
them) and the issue's signature. Both bodies are rendered for their reader from the issue's
``issue.json`` (digest/publish/archive.py) with the issue templates: absolute links to the site when its
address is known and none otherwise (a relative link goes nowhere in a mail client), and a
footer with that reader's own unsubscribe link, the one in their List-Unsubscribe header. The
body depends only on the issue, the settings and the reader, so a resend sends what the first
send did. The Subject comes from the configured template. The delivery log (digest/mail/deliveries.py)
is written before and after each SMTP transaction; see there for what a later run does with each
status, and digest/mail/smtp.py for how failures are sorted.

A 4xx reply or a connection lost before the message is handed over is retried with backoff; a
5xx is recorded and not retried; a connection lost while the message is being handed over leaves
the recipient *uncertain* and is never retried on its own; a server that cannot be reached at all
stops the run at once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import email.policy
import logging
import re
import secrets
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.header import Header
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2

from digest.errors import MailError, TemplateError, first_line
from digest.mail.deliveries import FAILED, PENDING, REFUSED, SENDING, SENT, Delivery, DeliveryLog
from digest.mail.smtp import Connection, Refused, Temporary, Uncertain, Unreachable, transmit
from digest.news import ALSO_REPORTED, Issue
from digest.publish import render
from digest.publish.archive import BuiltIssue
from digest.sanitise import clean_line
from digest.settings import BuildSettings, MailSettings, Recipient
from digest.state.store import Store

log = logging.getLogger(__name__)

MAX_BACKOFF_S = 300.0
LEAD_LENGTH = 80
MAIL_HTML_BUDGET = 100_000
"""The most HTML a mailed copy carries, in bytes: Gmail shows a message whose HTML passes
102 KB only up to that point, behind a "[Message clipped]" link, so the stories after it would
be lost to most readers without a word."""
"""About what inboxes show of a Subject after the title and date."""
NO_LINKS = (
    "site_url is not set, so the mail carries no links to the site (view in your browser, all "
    "issues); set site_url in digest.toml or pass --site-url"
)


@dataclass(frozen=True)
class Mailing:
    """An issue as it is mailed: the issue, the mail settings, the templates its bodies are
    rendered with and the site's address (None: no links to the site)."""

    built: BuiltIssue
    settings: MailSettings
    env: jinja2.Environment
    site_url: str | None = None

    @property
    def issue(self) -> Issue:
        return self.built.issue

    @property
    def date(self) -> dt.date:
        return self.built.date


def mailing(built: BuiltIssue, settings: MailSettings, build: BuildSettings) -> Mailing:
    """The issue in ``built`` mailed with the templates and site address of the build settings."""
    return Mailing(built, settings, render.environment(build.templates), build.site_url)


def say_links_are_off(mailing: Mailing) -> None:
    if mailing.site_url is None:
        log.warning(NO_LINKS)


def lead(issue: Issue) -> str:
    """The first story's headline, cut at a word boundary to what an inbox shows."""
    if not issue.stories:
        return ""
    text = render.one_line(clean_line(render.readable(issue.stories[0].headline)))
    if len(text) <= LEAD_LENGTH:
        return text
    cut = text[: LEAD_LENGTH - 1]
    if text[LEAD_LENGTH - 1] != " " and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,،;:·-–—") + "…"


def subject(issue: Issue, template: str) -> str:
    """One line an inbox shows as it is: no control, bidi override or line break from a
    headline can reorder it or start a header of its own."""
    text = template.format(title=issue.title, date=issue.date.isoformat(), lead=lead(issue))
    return " ".join(clean_line(text).split())


def set_subject(message: EmailMessage, text: str) -> None:
    """A non-ASCII Subject (an Arabic lead) is encoded by email.header, whose encoded words keep
    the spaces: the email policy's own folding (Python 3.11) drops a space where it folds
    between two encoded words, gluing two Arabic words together."""
    if text.isascii():
        message["Subject"] = text
    else:
        message.set_raw("Subject", Header(text, "utf-8", header_name="Subject").encode())


def sender_address(settings: MailSettings) -> str:
    return parseaddr(settings.sender)[1]


def new_message_id(mailing: Mailing) -> str:
    """Short enough that the header is never folded; 64 random bits keep it unique."""
    domain = sender_address(mailing.settings).rpartition("@")[2]
    return f"<digest.{mailing.date:%Y%m%d}.{secrets.token_hex(8)}@{domain}>"


def unsubscribe_links(settings: MailSettings, recipient: Recipient) -> list[str]:
    links = []
    if settings.unsubscribe_url:
        links.append(settings.unsubscribe_url.format(email=quote(recipient.email, safe="")))
    if settings.unsubscribe_mailto:
        links.append(f"mailto:{settings.unsubscribe_mailto}?subject=unsubscribe")
    return links


def bodies(mailing: Mailing, recipient: Recipient) -> tuple[str, str]:
    """The plain text and HTML of ``recipient``'s copy."""
    links = unsubscribe_links(mailing.settings, recipient)
    footer = render.Footer(
        reason=mailing.settings.reason,
        unsubscribe=links[0] if links else None,
        postal_address=mailing.settings.postal_address,
    )
    site = render.site_links(mailing.date, mailing.site_url, mailed=True)
    issue = mailing.issue
    text, html = render.render_mail(issue, mailing.env, site, footer)
    while mailed_size(html) > MAIL_HTML_BUDGET and len(issue.full) > 1:
        issue = one_fewer_in_full(issue)
        text, html = render.render_mail(issue, mailing.env, site, footer)
    if len(issue.full) < len(mailing.issue.full):
        log.warning(
            "the mail tells %d of the issue's %d full stories in full, the others one line each "
            "under Also reported, to stay under %d bytes of HTML (Gmail clips a longer message)",
            len(issue.full),
            len(mailing.issue.full),
            MAIL_HTML_BUDGET,
        )
    if footer.unsubscribe and not (
        footer.unsubscribe in text and footer.unsubscribe.replace("&", "&amp;") in html
    ):
        raise TemplateError(
            "the mail's text or HTML does not show the reader's unsubscribe link; a replaced "
            "newsletter template must print footer.unsubscribe (see README, Templates)"
        )
    return text, html


def mailed_size(html: str) -> int:
    """The HTML part's bytes as sent: UTF-8, every line ending CRLF."""
    return len(html.encode()) + html.count("\n")


def one_fewer_in_full(issue: Issue) -> Issue:
    """``issue`` with its last full story told in one line: first among the one-line stories of
    its section, or after them all when none shares its section, so the sections keep the order
    the ranking gave them (sport after the news) rather than the moved story's."""
    moved = issue.full[-1]
    last = dataclasses.replace(moved, place=ALSO_REPORTED)
    rest = [story for story in issue.stories if story is not moved]
    also = [i for i, story in enumerate(rest) if story.place == ALSO_REPORTED]
    same = [i for i in also if rest[i].section == last.section]
    at = same[0] if same else (also[-1] + 1 if also else len(rest))
    return dataclasses.replace(issue, stories=(*rest[:at], last, *rest[at:]))


def sendable(recipients: Sequence[Recipient]) -> None:
    """Refuse the whole send, before the first message, if any recipient's To header cannot be
    written: the settings check each entry as they read it, so this catches what reached a send
    another way; failing at that recipient mid-run would stop every send there, run after run."""
    for recipient in recipients:
        try:
            EmailMessage(policy=email.policy.SMTP)["To"] = str(recipient)
        except (ValueError, TypeError, IndexError) as error:
            raise MailError(
                f"the recipient {str(recipient)!r} cannot be mailed ({first_line(error)}); fix "
                "or remove it in mail.recipients, mail.recipients_csv or --to; nothing was sent"
            ) from None


def compose(
    mailing: Mailing, recipient: Recipient, message_id: str, when: dt.datetime
) -> EmailMessage:
    settings, issue = mailing.settings, mailing.issue
    message = EmailMessage(policy=email.policy.SMTP)
    set_subject(message, subject(issue, settings.subject))
    message["From"] = settings.sender
    message["To"] = str(recipient)
    if settings.reply_to:
        message["Reply-To"] = settings.reply_to
    message["Date"] = format_datetime(when)
    message["Message-ID"] = message_id
    links = unsubscribe_links(settings, recipient)
    if links:
        message["List-Unsubscribe"] = ", ".join(f"<{link}>" for link in links)
    if settings.unsubscribe_url:
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["X-Digest-Signature"] = str(issue.signature)
    text, html = bodies(mailing, recipient)
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def write_eml(mailing: Mailing, recipients: Sequence[Recipient], folder: Path) -> list[Path]:
    """`--dry-run`: the exact messages, as files; nothing is sent and the log is not touched."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise MailError(f"cannot create {folder}: {error.strerror}") from None
    sendable(recipients)
    say_links_are_off(mailing)
    when = dt.datetime.now().astimezone()
    paths = []
    for recipient in recipients:
        message = compose(mailing, recipient, new_message_id(mailing), when)
        name = re.sub(r"[^A-Za-z0-9@._-]", "_", recipient.email)
        path = folder / f"{mailing.date.isoformat()}-{name}.eml"
        path.write_bytes(message.as_bytes())
        paths.append(path)
    return paths


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
            if result.error == self.unreachable:
                continue
            lines.append(f"failed: {result.recipient}: {result.error}; the next run retries")
        for result in self.having(SENDING):
            lines.append(
                f"uncertain: {result.recipient}: {result.error}; it may have arrived. Check the "
                f"server's log, then `digest send --date {day} --resend --to "
                f"{result.recipient}` or `digest send --date {day} --mark-sent "
                f"{result.recipient}`"
            )
        return lines


def busy(what: str) -> Callable[[str], MailError]:
    return lambda lock_file: MailError(
        f"another {what} is running (it holds {lock_file}); wait for it to end"
    )


def send_issue(
    mailing: Mailing,
    store: Store,
    recipients: Sequence[Recipient] | None = None,
    *,
    resend: bool = False,
    stop: threading.Event | None = None,
) -> SendReport:
    """Send to every recipient not yet sent; the report says where each one stands."""
    recipients = list(mailing.settings.recipients if recipients is None else recipients)
    if not recipients:
        raise MailError("no recipients: set mail.recipients or mail.recipients_csv, or give --to")
    stop = stop or threading.Event()
    sendable(recipients)
    say_links_are_off(mailing)
    bodies(mailing, recipients[0])  # a template error stops the send before the log is touched
    with store.exclusive("send", busy("`digest send` or `digest run`")), store.connect() as conn:
        return SendRun(mailing, DeliveryLog(conn), stop).run(recipients, resend)


class SendRun:
    """One pass over the recipients of one issue."""

    def __init__(self, mailing: Mailing, log: DeliveryLog, stop: threading.Event):
        self.mailing = mailing
        self.settings = mailing.settings
        self.log = log
        self.stop = stop
        self.connection = Connection(mailing.settings)

    def run(self, recipients: list[Recipient], resend: bool) -> SendReport:
        results: list[Result] = []
        try:
            for index, recipient in enumerate(recipients):
                if self.stop.is_set():
                    return self.report(results, recipients[index:], stopped=True)
                row = self.log.get(self.mailing.date, recipient.key) or self.legacy_row(recipient)
                if row and not resend and row.status in (SENT, SENDING, REFUSED):
                    results.append(Result(recipient.key, row.status, row.last_error, True))
                    continue
                message_id = row.message_id if row else new_message_id(self.mailing)
                self.log.prepare(self.mailing.date, recipient.key, message_id)
                result, unreachable = self.deliver(recipient, message_id)
                results.append(result)
                if unreachable:
                    return self.report(results, recipients[index + 1 :], unreachable=unreachable)
        finally:
            self.connection.close()
        return self.report(results, [])

    def legacy_row(self, recipient: Recipient) -> Delivery | None:
        """The row an older digest keyed by the whole address in lower case, so a recipient it
        already mailed is not mailed again now that only the domain is compared without case."""
        old_key = recipient.email.lower()
        return self.log.get(self.mailing.date, old_key) if old_key != recipient.key else None

    def report(self, results: list[Result], untried: list[Recipient], **state: Any) -> SendReport:
        return SendReport(self.mailing.date, tuple(results), tuple(r.key for r in untried), **state)

    def deliver(self, recipient: Recipient, message_id: str) -> tuple[Result, str | None]:
        """Up to ``attempts`` tries with doubling waits; returns the result and, when the server
        could not be reached at all, why (so the run stops instead of failing everyone)."""
        day, key = self.mailing.date, recipient.key
        when = dt.datetime.now().astimezone()
        message = compose(self.mailing, recipient, message_id, when).as_bytes()
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
            except Unreachable as unreachable:
                self.log.mark(day, key, FAILED, str(unreachable))
                self.connection.close()
                return Result(key, FAILED, str(unreachable)), str(unreachable)
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


def mark_sent(store: Store, issue_date: dt.date, addresses: Sequence[str]) -> list[str]:
    """`--mark-sent`: settle recipients an operator has checked by hand; returns their old status."""
    changed = []
    with store.connect() as conn:
        deliveries = DeliveryLog(conn)
        for address in addresses:
            row = deliveries.get(issue_date, Recipient(address).key)
            if row is None:
                raise MailError(f"{address} has no delivery of issue {issue_date} to settle")
            deliveries.mark(issue_date, row.recipient, SENT, f"marked sent (was {row.status})")
            changed.append(row.status)
    return changed
