"""`digest send` against a real SMTP server on 127.0.0.1: whole messages, faults, no duplicates."""

import datetime as dt
import os
import shutil
import signal
import ssl
import threading
import time
from pathlib import Path

import pytest

from digest import archive, configfile, mail
from digest.deliveries import DeliveryLog
from digest.errors import MailError
from digest.pipeline import build
from digest.settings import MailSettings, Recipient, build_settings, resolve
from digest.store import Store
from tests.conftest import SEEDS
from tests.mailserver import Mailbox, free_port, smtp_server, write_config
from tests.spawn import digest

ISSUE = dt.date(2025, 8, 16)
READERS = ["a@example.org", "b@example.org", "c@example.org"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    state = Store(tmp_path_factory.mktemp("state") / "build.sqlite3")
    build(build_settings([SEEDS], out=out, translate=False), state)
    return out


def mail_table(port, **extra):
    return {
        "host": "127.0.0.1",
        "port": port,
        "security": "none",
        "from": "Arabic press digest <digest@example.org>",
        "reply_to": "editor@example.org",
        "recipients": READERS,
        "unsubscribe_url": "https://example.org/unsubscribe?email={email}",
        "unsubscribe_mailto": "unsubscribe@example.org",
        "timeout": 10,
        "attempts": 3,
        "backoff": 0.01,
        **extra,
    }


def config(tmp_path, site, port, **extra):
    path = write_config(tmp_path / "digest.toml", {"out": str(site)}, mail_table(port, **extra))
    return resolve({}, os.environ, configfile.read(path))


def send(loaded, **options):
    issue = archive.read(archive.find(loaded.build.out, None))
    return mail.send_issue(issue, loaded.mail, Store(loaded.state), **options)


def rows():
    with Store(Path(os.environ["DIGEST_STATE"])).connect() as conn:
        return {d.recipient: d for d in DeliveryLog(conn).for_issue(ISSUE)}


def finished(process, timeout=60):
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out, err


def exactly_once(mailbox_messages, addresses=READERS):
    counts = {a: sum(a in m.recipients for m in mailbox_messages) for a in addresses}
    assert counts == dict.fromkeys(addresses, 1), counts


def test_each_recipient_gets_one_whole_message_with_the_headers(tmp_path, site):
    named = ["قارئ <a@example.org>", "b@example.org", "c@example.org"]
    with smtp_server() as (server, box):
        report = send(config(tmp_path, site, server.port, recipients=named))
    assert report.complete and [r.status for r in report.results] == ["sent"] * 3
    exactly_once(box.received)
    html = (site / "2025-08-16" / "index.html").read_text(encoding="utf-8")
    text = (site / "2025-08-16" / "digest.txt").read_text(encoding="utf-8")
    log = rows()
    for received, address in zip(box.received, READERS, strict=True):
        message = received.message
        assert received.sender == "digest@example.org"
        assert message["Subject"] == "Arabic press digest · 2025-08-16"
        assert message["From"] == "Arabic press digest <digest@example.org>"
        assert message["Reply-To"] == "editor@example.org"
        assert message["To"].addresses[0].addr_spec == address
        assert abs(message["Date"].datetime - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)
        quoted = address.replace("@", "%40")
        assert message["List-Unsubscribe"] == (
            f"<https://example.org/unsubscribe?email={quoted}>, "
            "<mailto:unsubscribe@example.org?subject=unsubscribe>"
        )
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message["X-Digest-Signature"].startswith("digest:")
        assert message["X-Digest-Signature"] in html
        assert message["Message-ID"] == log[address].message_id
        assert message.get_content_type() == "multipart/alternative"
        plain, rich = message.iter_parts()
        assert plain.get_content_type() == "text/plain"
        assert rich.get_content_type() == "text/html"
        assert plain.get_content().replace("\r\n", "\n") == text
        assert rich.get_content().replace("\r\n", "\n").rstrip("\n") == html.rstrip("\n")
        assert (log[address].status, log[address].attempts) == ("sent", 1)
    assert box.received[0].message["To"].addresses[0].display_name == "قارئ"


def test_a_second_send_sends_nothing_and_resend_forces_the_same_message_id(tmp_path, site):
    with smtp_server() as (server, box):
        loaded = config(tmp_path, site, server.port)
        send(loaded)
        again = send(loaded)
        assert len(box.received) == 3
        assert again.complete and all(r.earlier for r in again.results)
        assert "0 sent now, 3 sent earlier" in again.summary()[0]
        forced = send(loaded, recipients=[Recipient("b@example.org")], resend=True)
    assert forced.complete and len(box.received) == 4
    first, second = box.to("b@example.org")
    assert first.message["Message-ID"] == second.message["Message-ID"]


def test_temporary_replies_are_retried_until_accepted(tmp_path, site):
    box = Mailbox()
    box.replies[("RCPT", "a@example.org")] = ["451 4.3.0 try again later"] * 2
    box.replies[("DATA", "b@example.org")] = ["452 4.3.1 insufficient storage"]
    with smtp_server(box) as (server, _):
        report = send(config(tmp_path, site, server.port))
    assert report.complete
    exactly_once(box.received)
    log = rows()
    assert (log["a@example.org"].attempts, log["b@example.org"].attempts) == (3, 2)
    assert "451" in log["a@example.org"].last_error


def test_a_refusal_is_recorded_the_others_are_sent_and_it_is_not_retried(tmp_path, site):
    box = Mailbox()
    box.replies[("RCPT", "b@example.org")] = ["550 5.1.1 no such user"]
    with smtp_server(box) as (server, _):
        loaded = config(tmp_path, site, server.port)
        report = send(loaded)
        assert not report.complete
        assert [r.status for r in report.results] == ["sent", "refused", "sent"]
        assert rows()["b@example.org"].last_error == "550 5.1.1 no such user"
        assert rows()["b@example.org"].attempts == 1
        again = send(loaded)
    assert not box.to("b@example.org"), "a refused recipient is not tried again on its own"
    assert "refused: b@example.org: 550 5.1.1 no such user" in again.summary()
    exactly_once(box.received, ["a@example.org", "c@example.org"])


@pytest.mark.parametrize(
    ("host", "cause"),
    [
        ("127.0.0.1", "connection refused; check mail.host and mail.port"),
        ("smtp.nowhere.invalid", "the name smtp.nowhere.invalid does not resolve"),
    ],
)
def test_an_unreachable_server_stops_at_once_with_one_line_then_exit_1(tmp_path, site, host, cause):
    """A refused connection or a name that does not resolve is not retried: waiting fixes
    neither, and the backoff here (30 s) would show if it were."""
    path = write_config(
        tmp_path / "digest.toml",
        {"out": str(site)},
        mail_table(free_port(), host=host, attempts=3, backoff=30),
    )
    started = time.monotonic()
    code, out, err = finished(digest("send", "--config", path))
    assert time.monotonic() - started < 25, "no wait between tries"
    assert code == 1, err
    assert "0 sent now" in out and "2 not tried" in out
    (reason,) = [line for line in out.splitlines() if "cannot connect" in line]
    assert reason.startswith(f"stopped: cannot connect to {host}:") and cause in reason
    assert "try " not in err
    log = rows()
    assert list(log) == ["a@example.org"]
    assert (log["a@example.org"].status, log["a@example.org"].attempts) == ("failed", 1)


def test_server_stopped_mid_run_then_the_next_run_finishes_with_no_duplicate(tmp_path, site):
    port = free_port()
    box = Mailbox(hold={("RCPT", "b@example.org"): 30})
    loaded = config(tmp_path, site, port)
    with smtp_server(box, port=port) as (server, _):
        stopper = threading.Thread(
            target=lambda: box.reached[("RCPT", "b@example.org")].wait(10) and server.stop()
        )
        stopper.start()
        report = send(loaded)
        stopper.join()
    assert report.unreachable and report.untried == ("c@example.org",)
    assert [m.recipients for m in box.received] == [("a@example.org",)]
    assert rows()["b@example.org"].status == "failed"
    second = Mailbox()
    with smtp_server(second, port=port):
        report = send(loaded)
    assert report.complete
    exactly_once(box.received + second.received)


def killed_at(box, step, tmp_path, site, port):
    """Start `digest send` and kill it while the server holds `step`; its config's path."""
    path = write_config(tmp_path / "digest.toml", {"out": str(site)}, mail_table(port))
    process = digest("send", "--config", path)
    assert box.reached[step].wait(30)
    process.kill()
    process.wait(10)
    return path


def test_a_process_killed_between_recipients_is_finished_by_the_next_run(tmp_path, site):
    box = Mailbox(hold={("RCPT", "b@example.org"): 30})
    with smtp_server(box) as (server, _):
        path = killed_at(box, ("RCPT", "b@example.org"), tmp_path, site, server.port)
        assert rows()["a@example.org"].status == "sent"
        assert rows()["b@example.org"].status == "pending"
        del box.hold[("RCPT", "b@example.org")]
        code, out, err = finished(digest("send", "--config", path))
    assert code == 0, out + err
    assert "2 sent now, 1 sent earlier" in out
    exactly_once(box.received)


def test_a_process_killed_during_the_hand_over_is_uncertain_and_never_resent(tmp_path, site):
    box = Mailbox(hold={("DATA", "b@example.org"): 30})
    with smtp_server(box) as (server, _):
        path = killed_at(box, ("DATA", "b@example.org"), tmp_path, site, server.port)
        del box.hold[("DATA", "b@example.org")]
        code, out, _ = finished(digest("send", "--config", path))
        assert code == 1
        assert "uncertain: b@example.org" in out and "--mark-sent b@example.org" in out
        exactly_once(box.received)
        code, out, _ = finished(
            digest("send", "--config", path, "--date", "2025-08-16", "--mark-sent", "b@example.org")
        )
        assert (code, out.strip()) == (0, "marked b@example.org as sent (was sending)")
        code, out, _ = finished(digest("send", "--config", path))
    assert code == 0 and "0 sent now, 3 sent earlier" in out
    exactly_once(box.received)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_lets_the_message_in_flight_finish(tmp_path, site, signum):
    box = Mailbox(hold={("DATA", "b@example.org"): 1.0})
    with smtp_server(box) as (server, _):
        path = write_config(tmp_path / "digest.toml", {"out": str(site)}, mail_table(server.port))
        process = digest("send", "--config", path)
        assert box.reached[("DATA", "b@example.org")].wait(30)
        process.send_signal(signum)
        code, out, err = finished(process)
        assert code == 1, err
        assert "stopped on request" in out and "1 not tried" in out
        assert rows()["b@example.org"].status == "sent"
        assert "c@example.org" not in rows()
        code, out, _ = finished(digest("send", "--config", path))
    assert code == 0 and "1 sent now, 2 sent earlier" in out
    exactly_once(box.received)


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    """A CA and a certificate for 127.0.0.1 it signed, made here with trustme."""
    import trustme

    folder = tmp_path_factory.mktemp("tls")
    authority = trustme.CA()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(server)
    authority.cert_pem.write_to_path(str(folder / "ca.pem"))
    return server, folder / "ca.pem"


def checks_login(server, session, envelope, mechanism, auth_data):
    from aiosmtpd.smtp import AuthResult

    ok = (auth_data.login, auth_data.password) == (b"digest", b"s3cret pass")
    return AuthResult(success=ok)


def test_starttls_with_a_certificate_the_test_made_and_a_login(
    tmp_path, site, certificates, monkeypatch
):
    server_context, ca_file = certificates
    monkeypatch.setenv("DIGEST_SMTP_PASSWORD", "s3cret pass")
    with smtp_server(
        tls_context=server_context,
        require_starttls=True,
        authenticator=checks_login,
        auth_require_tls=True,
    ) as (server, box):
        loaded = config(
            tmp_path,
            site,
            server.port,
            security="starttls",
            ca_file=str(ca_file),
            username="digest",
        )
        assert send(loaded).complete
    exactly_once(box.received)
    assert all(m.tls for m in box.received)


def test_implicit_tls(tmp_path, site, certificates):
    server_context, ca_file = certificates
    with smtp_server(ssl_context=server_context) as (server, box):
        assert send(config(tmp_path, site, server.port, security="ssl", ca_file=str(ca_file)))
    exactly_once(box.received)


def test_starttls_not_offered_is_a_clear_error_and_nothing_is_sent(tmp_path, site):
    with smtp_server() as (server, box):
        loaded = config(tmp_path, site, server.port, security="starttls")
        with pytest.raises(MailError, match="does not offer STARTTLS.*nothing was sent"):
            send(loaded)
    assert not box.received and not box.reached


def test_an_untrusted_certificate_is_a_clear_error_and_nothing_is_sent(
    tmp_path, site, certificates
):
    server_context, _ = certificates
    with smtp_server(tls_context=server_context) as (server, box):
        loaded = config(tmp_path, site, server.port, security="starttls")
        with pytest.raises(MailError, match="cannot be trusted.*mail.ca_file"):
            send(loaded)
    assert not box.received and not box.reached


def test_dry_run_writes_the_messages_and_sends_nothing(tmp_path, site):
    import email
    import email.policy

    path = write_config(tmp_path / "digest.toml", {"out": str(site)}, mail_table(free_port()))
    code, out, err = finished(
        digest("send", "--config", path, "--dry-run", tmp_path / "eml", "--to", "me@example.org")
    )
    assert code == 0, err
    (written,) = (tmp_path / "eml").iterdir()
    assert written.name == "2025-08-16-me@example.org.eml"
    message = email.message_from_bytes(written.read_bytes(), policy=email.policy.default)
    assert message["To"] == "me@example.org"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert not rows()


def test_dry_run_with_to_and_out_needs_no_config_file(tmp_path, site):
    eml = tmp_path / "eml"
    code, out, err = finished(
        digest(
            "send",
            "--config",
            tmp_path / "absent.toml",
            "--dry-run",
            eml,
            "--to",
            "me@example.org",
            "--out",
            site,
        )
    )
    assert code == 0, err
    (written,) = eml.iterdir()
    assert "To: me@example.org" in written.read_text()
    code, _, err = finished(
        digest(
            "send", "--config", tmp_path / "absent.toml", "--dry-run", eml, "--to", "me@example.org"
        )
    )
    assert code == 2 and "no configuration file" in err


def test_latest_is_the_newest_issue_folder_and_a_missing_issue_says_how_to_build(tmp_path):
    for name in ("2025-01-02", "2024-12-31", "notes", "2025-01-10", "2025-13-45"):
        (tmp_path / name).mkdir()
    assert archive.find(tmp_path, None).name == "2025-01-10"
    with pytest.raises(MailError, match="digest build"):
        archive.find(tmp_path, dt.date(2030, 1, 1))


def test_mail_takes_subject_signature_and_date_from_issue_json_not_the_html(tmp_path, site):
    folder = tmp_path / "2025-08-16"
    shutil.copytree(site / "2025-08-16", folder)
    (folder / "index.html").write_text("<html><head><title>Not this</title></head>")
    (folder / "digest.txt").unlink()
    with pytest.raises(MailError, match="digest.txt.*digest build"):
        archive.read(folder)
    (folder / "digest.txt").write_text("text")
    issue = archive.read(folder)
    message = mail.compose(
        issue,
        Recipient("a@example.org"),
        MailSettings(sender="d@example.org"),
        "<id@x>",
        dt.datetime(2025, 8, 16, tzinfo=dt.UTC),
    )
    assert (message["Subject"], issue.date) == (
        "Arabic press digest · 2025-08-16",
        dt.date(2025, 8, 16),
    )
    assert message["X-Digest-Signature"] == str(issue.issue.signature)
    assert message["X-Digest-Signature"].startswith("digest:")
    (folder / "issue.json").write_text("{}")
    with pytest.raises(MailError, match="issue.json is not an issue"):
        archive.read(folder)
