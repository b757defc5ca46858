"""Mail edge cases probed as an adversary would: a connection lost before the server's 354, and
recipient entries that try to smuggle in a second address."""

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

from digest.errors import MailError
from digest.mail.deliveries import SENDING, SENT, DeliveryLog
from digest.publish import archive
from digest.settings import Recipient, parse_address
from digest.state.store import Store
from tests.mailserver import Mailbox, free_port, smtp_server, write_config
from tests.spawn import digest
from tests.test_mail import config, exactly_once, finished, mail_table, rows, send, site  # noqa: F401


class DropAtData(SMTP):
    """Closes the connection when DATA arrives, before answering 354, while ``drops`` last."""

    async def smtp_DATA(self, arg):
        if self.event_handler.drops:
            self.event_handler.drops -= 1
            self.transport.close()
            return
        await super().smtp_DATA(arg)


class DroppingController(Controller):
    def factory(self):
        return DropAtData(self.handler, **self.SMTP_kwargs)


def test_a_connection_lost_before_354_is_retried_not_uncertain(tmp_path, site):  # noqa: F811
    box = Mailbox()
    box.drops = 2
    controller = DroppingController(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        report = send(config(tmp_path, site, controller.port))
    finally:
        controller.stop()
    assert report.complete, report.summary()
    assert report.having(SENDING) == []
    exactly_once(box.received)
    assert rows()["a@example.org"].status == SENT
    assert rows()["a@example.org"].attempts == 3


@pytest.mark.parametrize(
    ("entry", "why"),
    [
        ("Evil\r\nBcc: victim@evil.org <a@example.org>", "line break"),
        ("a@example.org, b@evil.org", "not exactly one email address"),
        ("a@example.org\nb@evil.org", "line break"),
        ("A <a@example.org> <b@evil.org>", "not exactly one"),
        ("a@@example.org", "not an email address"),
        ("a@localhost", "not an email address"),
        ("", "not exactly one"),
    ],
)
def test_an_entry_that_is_not_exactly_one_address_is_refused(entry, why):
    with pytest.raises(ValueError, match=why):
        parse_address(entry)


def test_one_address_with_or_without_a_name_is_read():
    assert parse_address("Reader Name <Reader.One@Example.ORG>") == Recipient(
        "Reader.One@Example.ORG", "Reader Name"
    )
    assert Recipient("Reader.One@Example.ORG").key == "Reader.One@example.org"
    assert Recipient("reader.one@EXAMPLE.org").key != Recipient("Reader.One@example.org").key


def test_to_with_two_addresses_exits_2_naming_it_and_sends_nothing(tmp_path, site):  # noqa: F811
    path = write_config(tmp_path / "digest.toml", {"out": str(site)}, mail_table(free_port()))
    code, _, err = finished(digest("send", "--config", path, "--to", "a@example.org, b@evil.org"))
    assert code == 2
    assert err.strip().splitlines() == [
        "error: --to: 'a@example.org, b@evil.org' is not exactly one email address; give one "
        "per entry"
    ]


def test_a_config_entry_with_a_line_break_exits_2_before_anything_is_sent(tmp_path, site):  # noqa: F811
    box = Mailbox()
    box.drops = 0
    controller = DroppingController(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        table = mail_table(
            controller.port,
            recipients=["a@example.org", "EVIL"],
        )
        path = write_config(tmp_path / "digest.toml", {"out": str(site)}, table)
        # TOML escapes, so the file holds a real CR LF inside the entry.
        evil = '"Evil\\r\\nBcc: victim@evil.org <c@example.org>"'
        path.write_text(path.read_text().replace('"EVIL"', evil))
        code, _, err = finished(digest("send", "--config", path))
    finally:
        controller.stop()
    assert code == 2
    assert "line break" in err and "Bcc: victim@evil.org" in err
    assert len(err.strip().splitlines()) == 1
    assert box.received == []


def test_a_recipient_logged_under_the_old_lower_case_key_is_not_mailed_again(
    tmp_path,
    site,  # noqa: F811
):
    box = Mailbox()
    with smtp_server(box) as (server, _):
        loaded = config(tmp_path, site, server.port, recipients=["Reader@Example.org"])
        issue = archive.read(archive.find(loaded.build.out, None))
        with Store(loaded.state).connect() as conn:
            deliveries = DeliveryLog(conn)
            deliveries.prepare(issue.date, "reader@example.org", "<old@example.org>")
            deliveries.mark(issue.date, "reader@example.org", SENT, None)
        report = send(loaded)
    assert box.received == []
    assert [(r.status, r.earlier) for r in report.results] == [(SENT, True)]


ENCODED_CRLF = "=?utf-8?q?Evil=0D=0ABcc=3A_evil=40evil.org?= <r2@example.org>"


@pytest.mark.parametrize(
    "entry",
    [
        ENCODED_CRLF,
        "=?utf-8?b?RXZpbA0KQmNjOiBldmlsQGV2aWwub3Jn?= <r2@example.org>",
        "=?utf-8?q?Reader=E2=80=AEgro.live?= <r2@example.org>",
        "=?utf-8?q?Bell=07?= <r2@example.org>",
        "=?x-no-such-charset?q?Evil?= <r2@example.org>",
    ],
)
def test_a_display_name_is_decoded_and_checked_like_the_address(entry):
    with pytest.raises(ValueError, match="name") as refused:
        parse_address(entry)
    assert repr(entry) in str(refused.value)


def test_an_encoded_name_is_read_as_a_mail_program_shows_it():
    assert parse_address("=?utf-8?b?2LHYp9mG2Kc=?= <r@example.org>") == Recipient(
        "r@example.org", "رانا"
    )


def test_an_encoded_line_break_in_a_name_exits_2_before_the_first_message(tmp_path, site):  # noqa: F811
    box = Mailbox()
    with smtp_server(box) as (server, _):
        table = mail_table(server.port, recipients=["a@example.org", ENCODED_CRLF])
        path = write_config(tmp_path / "digest.toml", {"out": str(site)}, table)
        code, _, err = finished(digest("send", "--config", path))
    assert code == 2
    (message,) = err.strip().splitlines()
    assert message.startswith("error: ") and ENCODED_CRLF in message
    assert box.received == []


def test_a_csv_name_is_checked_as_a_config_entry_is(tmp_path, site):  # noqa: F811
    csv = tmp_path / "readers.csv"
    csv.write_text("email,name\na@example.org,=?utf-8?q?Evil=0D=0ABcc=3A_x=40evil.org?=\n")
    table = mail_table(free_port(), recipients=[], recipients_csv=str(csv))
    path = write_config(tmp_path / "digest.toml", {"out": str(site)}, table)
    code, _, err = finished(digest("send", "--config", path))
    assert code == 2
    (message,) = err.strip().splitlines()
    assert "readers.csv, line 2" in message and "line break" in message


def test_a_recipient_that_cannot_be_mailed_stops_the_send_before_anyone_is_mailed(
    tmp_path,
    site,  # noqa: F811
):
    box = Mailbox()
    with smtp_server(box) as (server, _):
        loaded = config(tmp_path, site, server.port)
        smuggled = [Recipient("a@example.org"), Recipient("r2@example.org", "Evil\r\nBcc: x@y.org")]
        with pytest.raises(MailError, match="Bcc: x@y.org") as refused:
            send(loaded, recipients=smuggled)
    assert "nothing was sent" in str(refused.value)
    assert box.received == []
    assert rows() == {}


class DropMidData(SMTP):
    """Answers DATA with 354, reads the first lines of the message, then drops the connection
    before its end, while ``drops`` last: a server that fails mid-DATA."""

    async def smtp_DATA(self, arg):
        if not self.event_handler.drops:
            await super().smtp_DATA(arg)
            return
        self.event_handler.drops -= 1
        await self.push("354 End data with <CR><LF>.<CR><LF>")
        for _ in range(5):
            await self._reader.readuntil(b"\r\n")
        self.transport.close()


class MidDataController(Controller):
    def factory(self):
        return DropMidData(self.handler, **self.SMTP_kwargs)


def test_a_connection_dropped_mid_data_is_never_a_duplicate(tmp_path, site):  # noqa: F811
    """As the README says: a loss digest sees while the message is still going out is retried
    (its final "." never left); one it sees only after the whole message went out, which is
    what a drop mid-DATA usually looks like (the system buffers the message), is uncertain and
    never resent on its own. Either way nobody gets two copies."""
    box = Mailbox()
    box.drops = 1
    controller = MidDataController(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        loaded = config(tmp_path, site, controller.port)
        first = send(loaded)
        again = send(loaded)
    finally:
        controller.stop()
    counts = {a: len(box.to(a)) for a in ("a@example.org", "b@example.org", "c@example.org")}
    assert max(counts.values()) == 1, counts
    dropped = rows()["a@example.org"]
    if dropped.status == SENDING:
        assert counts["a@example.org"] == 0
        assert any("uncertain: a@example.org" in line for line in first.summary())
        assert [(r.recipient, r.earlier) for r in again.having(SENDING)] == [
            ("a@example.org", True)
        ]
    else:
        assert dropped.status == SENT and dropped.attempts == 2
    assert counts["b@example.org"] == counts["c@example.org"] == 1
