"""`digest send`'s rules called as a library (digest/runs/gate.py), against a real SMTP server:
the approval gate, previews, --mark-sent, and what a complete send does to the hold."""

import pytest

from digest.errors import MailError, NotApproved, SiteError
from digest.runs import gate, holding, schedule
from tests.mailserver import smtp_server
from tests.test_review_gate import READERS, SCHEDULED, approve, loaded, newsroom, state  # noqa: F401


@pytest.fixture
def held(newsroom):  # noqa: F811
    """A held, unapproved issue of SCHEDULED's day, and the settings and mailbox it goes to."""
    with smtp_server() as (server, box):
        settings = loaded(newsroom(server.port))
        outcome = schedule.run_once(settings, SCHEDULED.date(), state(), now=SCHEDULED)
        assert outcome.status == "held"
        yield settings, outcome, box


def test_an_unapproved_issue_is_not_mailed_but_previewed_and_settled(held, tmp_path):
    settings, outcome, box = held
    day = outcome.issue_date
    with pytest.raises(NotApproved, match=f"the issue of {day} is not approved"):
        gate.send(settings, state(), gate.SendRequest(date=day), preview=False)
    with pytest.raises(NotApproved):
        gate.send(settings, state(), gate.SendRequest(to=("c@example.org",)), preview=False)
    preview = gate.send(settings, state(), gate.SendRequest(dry_run=tmp_path / "eml"), False)
    assert len(preview.previews) == 2 and preview.complete
    assert preview.lines(tmp_path / "eml") == [
        f"wrote 2 message(s) to {tmp_path / 'eml'}; nothing was sent"
    ]
    with pytest.raises(MailError, match="a@example.org has no delivery"):  # past the gate
        gate.send(settings, state(), gate.SendRequest(mark_sent=("a@example.org",)), False)
    assert box.received == []
    assert holding.find(state(), day).outcome is None


def test_an_approved_send_to_everyone_settles_the_hold_and_one_elsewhere_does_not(held):
    settings, outcome, box = held
    day = outcome.issue_date
    approve(outcome.folder)
    other = gate.send(settings, state(), gate.SendRequest(to=("c@example.org",)), False)
    assert other.complete and [list(r.recipients) for r in box.received] == [["c@example.org"]]
    assert holding.find(state(), day).outcome is None, "a copy elsewhere is not the send"
    sent = gate.send(settings, state(), gate.SendRequest(date=day), preview=False)
    assert sent.complete and "2 sent now" in sent.lines()[-1]
    assert sorted(r.recipients[0] for r in box.received[1:]) == READERS
    assert holding.find(state(), day).outcome == holding.SENT


def test_a_preview_needs_no_mail_table_and_a_missing_issue_is_a_site_error(held, tmp_path):
    settings, outcome, _ = held
    request = gate.SendRequest(to=("c@example.org",), dry_run=tmp_path / "eml")
    assert gate.preview_only(request, out_given=True)
    assert not gate.preview_only(request, out_given=False)
    assert not gate.preview_only(gate.SendRequest(to=("c@example.org",)), out_given=True)
    with pytest.raises(SiteError, match="no issue .*2030-01-01"):
        gate.send(
            settings,
            state(),
            gate.SendRequest(date=SCHEDULED.date().replace(year=2030, month=1, day=1)),
            False,
        )
