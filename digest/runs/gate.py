"""`digest send`'s rules, as a library function: what an operator may send, preview or settle by
hand, and what each does to the delivery log and the holds (kept here, beside the holds they
settle and above the mail they send).

With ``review = true`` an unapproved issue is not mailed: a preview (``--dry-run``, which
sends nothing) and ``--mark-sent`` (which records what an operator checked by hand) still work,
because neither puts an unapproved issue in anyone's inbox. A send to the configured
recipients that reaches all of them settles the issue's hold as sent, so the review page and
the scheduler stop waiting for it; a send ``--to`` other addresses does not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from digest import settings as known
from digest.errors import NotApproved
from digest.mail import compose
from digest.publish import archive
from digest.runs import holding
from digest.runs.shutdown import stop_on_signals
from digest.settings import Recipient, Settings
from digest.state.store import Store


@dataclass(frozen=True)
class SendRequest:
    """What the operator asked for: the issue (None: the newest), other recipients (``to``),
    a preview folder, a resend, or addresses to record as sent."""

    date: dt.date | None = None
    to: tuple[str, ...] = ()
    dry_run: Path | None = None
    resend: bool = False
    mark_sent: tuple[str, ...] = ()

    @property
    def mails(self) -> bool:
        """Whether the request puts the issue in someone's inbox."""
        return not self.mark_sent and self.dry_run is None


@dataclass(frozen=True)
class SendOutcome:
    """What a send did: a delivery report, the previews written, or the statuses settled."""

    report: compose.SendReport | None = None
    previews: tuple[Path, ...] | None = None
    settled: tuple[tuple[str, str], ...] = ()

    @property
    def complete(self) -> bool:
        return self.report is None or self.report.complete

    def lines(self, dry_run: Path | None = None) -> list[str]:
        if self.report is not None:
            return self.report.summary()
        if self.previews is not None:
            return [f"wrote {len(self.previews)} message(s) to {dry_run}; nothing was sent"]
        return [f"marked {address} as sent (was {was})" for address, was in self.settled]


def preview_only(request: SendRequest, out_given: bool) -> bool:
    """A preview to named addresses from a named folder needs no digest.toml at all."""
    return request.dry_run is not None and bool(request.to) and out_given


def send(settings: Settings, store: Store, request: SendRequest, preview: bool) -> SendOutcome:
    """Carry out ``request`` for the issue it names under ``settings.build.out``."""
    issue = archive.read(archive.find(settings.build.out, request.date))
    if settings.review.required and issue.issue.approval is None and request.mails:
        raise NotApproved(
            f"the issue of {issue.date} is not approved and review = true in "
            f"{settings.where()}; review and approve it with "
            f"`digest review --date {issue.date}`, then send it"
        )
    if request.mark_sent:
        addresses = known.parse_addresses(list(request.mark_sent), "--mark-sent")
        was = compose.mark_sent(store, issue.date, [r.email for r in addresses])
        return SendOutcome(settled=tuple(zip(request.mark_sent, was, strict=True)))
    recipients = known.parse_addresses(list(request.to), "--to") if request.to else None
    if request.dry_run is not None:
        chosen = (settings.mail or known.PREVIEW_MAIL) if preview else settings.require_mail()
        mailing = compose.mailing(issue, chosen, settings.build)
        written = compose.write_eml(mailing, recipients or chosen.recipients, request.dry_run)
        return SendOutcome(previews=tuple(written))
    return SendOutcome(report=deliver(settings, store, issue, recipients, request.resend))


def deliver(
    settings: Settings,
    store: Store,
    issue: archive.BuiltIssue,
    recipients: Sequence[Recipient] | None,
    resend: bool,
) -> compose.SendReport:
    with stop_on_signals() as stop:
        mailing = compose.mailing(issue, settings.require_mail(), settings.build)
        report = compose.send_issue(mailing, store, recipients, resend=resend, stop=stop)
    if recipients is None and report.complete:
        holding.sent_by_hand(store, issue.date, dt.datetime.now(dt.UTC))
    return report
