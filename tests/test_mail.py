"""`digest send` against a real SMTP server on 127.0.0.1: whole messages, faults, no duplicates."""

import dataclasses
import datetime as dt
import os
import re
import shutil
import signal
import ssl
import threading
from pathlib import Path

import pytest

from digest import configfile
from digest.errors import MailError, SiteError, TemplateError
from digest.mail import compose
from digest.mail.deliveries import DeliveryLog
from digest.pipeline import build
from digest.publish import archive, render
from digest.settings import MailSettings, Recipient, build_settings, resolve
from digest.state.store import Store
from tests.conftest import SEEDS
from tests.mailserver import Mailbox, free_port, smtp_server, write_config
from tests.pages import parse, summit_issue
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
    return compose.send_issue(
        compose.mailing(issue, loaded.mail, loaded.build), Store(loaded.state), **options
    )


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
        assert message["Subject"].startswith("Arabic press digest · 2025-08-16: ")
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
        stories = text[: text.rindex("-" * 72)]
        assert plain.get_content().replace("\r\n", "\n").startswith(stories)
        main = html[html.index("<main>") : html.index("</main>")]
        assert main in rich.get_content().replace("\r\n", "\n"), "the same stories as the page"
        assert f"https://example.org/unsubscribe?email={quoted}" in plain.get_content()
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
    neither. The delivery log's count of tries says so, not a clock: one try, and no "try"
    line for a retry."""
    path = write_config(
        tmp_path / "digest.toml",
        {"out": str(site)},
        mail_table(free_port(), host=host, attempts=3, backoff=30),
    )
    code, out, err = finished(digest("send", "--config", path))
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
    with pytest.raises(SiteError, match="digest build"):
        archive.find(tmp_path, dt.date(2030, 1, 1))


def test_mail_takes_subject_signature_and_date_from_issue_json_not_the_html(tmp_path, site):
    folder = tmp_path / "2025-08-16"
    shutil.copytree(site / "2025-08-16", folder)
    (folder / "index.html").write_text("<html><head><title>Not this</title></head>")
    (folder / "digest.txt").write_text("Not this either")
    issue = archive.read(folder)
    message = compose.compose(
        compose.Mailing(issue, MailSettings(sender="d@example.org"), render.environment()),
        Recipient("a@example.org"),
        "<id@x>",
        dt.datetime(2025, 8, 16, tzinfo=dt.UTC),
    )
    assert message["Subject"].startswith("Arabic press digest · 2025-08-16: ")
    assert issue.date == dt.date(2025, 8, 16)
    assert message["X-Digest-Signature"] == str(issue.issue.signature)
    assert message["X-Digest-Signature"].startswith("digest:")
    plain, rich = message.iter_parts()
    assert "Not this" not in plain.get_content() and "Not this" not in rich.get_content()
    assert issue.issue.stories[0].headline.ar in rich.get_content()
    (folder / "issue.json").write_text("{}")
    with pytest.raises(SiteError, match="issue.json is not an issue"):
        archive.read(folder)
    (folder / "issue.json").unlink()
    with pytest.raises(SiteError, match="issue.json.*digest build"):
        archive.read(folder)


def dry_run_message(tmp_path, site, *options, **mail_keys):
    """The .eml `digest send --dry-run` writes for one reader, parsed, and what it said."""
    import email
    import email.policy

    path = write_config(
        tmp_path / "digest.toml", {"out": str(site)}, mail_table(free_port(), **mail_keys)
    )
    eml = tmp_path / "eml"
    code, out, err = finished(
        digest("send", "--config", path, "--dry-run", eml, "--to", "Me+news@example.org", *options)
    )
    assert code == 0, err
    (written,) = eml.iterdir()
    return email.message_from_bytes(written.read_bytes(), policy=email.policy.default), err


def links_of(html):
    page = parse(html)
    return [
        e.attrs[name]
        for tag in ("a", "img", "link", "script", "source")
        for e in page.find_all(tag)
        for name in ("href", "src")
        if name in e.attrs
    ]


def assert_no_relative_links(html):
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    for link in links_of(html):
        if link.startswith("#"):
            assert link[1:] in ids, f"{link} points at nothing in the message"
        else:
            assert re.match(r"(https|mailto):", link), f"{link} goes nowhere in a mail client"


def assert_unsubscribe_footer(message):
    header = message["List-Unsubscribe"]
    first = header.split(",")[0].strip().strip("<>")
    assert first == "https://example.org/unsubscribe?email=Me%2Bnews%40example.org"
    plain, rich = message.iter_parts()
    text, html = plain.get_content(), rich.get_content()
    (footer,) = parse(html).find_all("footer")
    unsubscribe = [a for a in footer.find_all("a") if a.text == "Unsubscribe"]
    assert [a.attrs["href"] for a in unsubscribe] == [first]
    assert f"Unsubscribe: {first}" in text
    for body in (text, footer.text):
        assert "You receive this because you asked for the Monday briefing." in body
        assert "Example Media, 1 High Street, London N1 1AA" in body


def test_dry_run_without_site_url_has_no_link_to_the_site_and_says_so_once(tmp_path, site):
    message, err = dry_run_message(
        tmp_path,
        site,
        reason="You receive this because you asked for the Monday briefing.",
        postal_address="Example Media, 1 High Street, London N1 1AA",
    )
    plain, rich = message.iter_parts()
    html = rich.get_content()
    assert_no_relative_links(html)
    assert "index.html" not in html and "All issues" not in html
    assert "in your browser" not in html and "in your browser" not in plain.get_content()
    assert_unsubscribe_footer(message)
    assert err.count("site_url is not set") == 1, err
    issue = archive.read(site / "2025-08-16").issue
    headline = issue.stories[0].headline.ar
    prefix = "Arabic press digest · 2025-08-16: "
    assert message["Subject"].startswith(prefix)
    lead = message["Subject"].removeprefix(prefix)
    assert lead.endswith("…") and len(lead) <= compose.LEAD_LENGTH
    assert headline.startswith(lead[:-1]) and headline[len(lead) - 1] in " ،,", "cut at a word"


def test_dry_run_with_site_url_links_the_issue_and_the_archive_absolutely(tmp_path, site):
    message, err = dry_run_message(
        tmp_path,
        site,
        "--site-url",
        "https://news.example.org/digest",
        reason="You receive this because you asked for the Monday briefing.",
        postal_address="Example Media, 1 High Street, London N1 1AA",
        subject="{lead} ({date})",
    )
    plain, rich = message.iter_parts()
    html, text = rich.get_content(), plain.get_content()
    assert_no_relative_links(html)
    page = parse(html)
    anchors = {a.text: a.attrs["href"] for a in page.find_all("a")}
    assert anchors["View this issue in your browser"] == (
        "https://news.example.org/digest/2025-08-16/index.html"
    )
    assert anchors["All issues"] == "https://news.example.org/digest/index.html"
    assert anchors["Archive"] == "https://news.example.org/digest/index.html#archive"
    assert html.index("in your browser") < html.index("<h1")
    assert (
        "View this issue in your browser: https://news.example.org/digest/2025-08-16/index.html"
        in text
    )
    assert "All issues: https://news.example.org/digest/index.html" in text
    assert_unsubscribe_footer(message)
    assert "site_url" not in err
    assert message["Subject"].endswith(" (2025-08-16)")


def test_each_reader_finds_their_own_unsubscribe_link_and_a_resend_sends_the_same_body(
    tmp_path, site
):
    with smtp_server() as (server, box):
        loaded = config(tmp_path, site, server.port)
        send(loaded)
        send(loaded, recipients=[Recipient("b@example.org")], resend=True)
    first = {m.recipients[0]: m.message for m in box.received[:3]}
    again = box.received[3].message
    for address, message in first.items():
        quoted = address.replace("@", "%40")
        own = f"https://example.org/unsubscribe?email={quoted}"
        plain, rich = message.iter_parts()
        assert own in plain.get_content() and f'href="{own}"' in rich.get_content()
        others = [a for a in READERS if a != address]
        assert not any(a in plain.get_content() + rich.get_content() for a in others)
    assert again["Message-ID"] == first["b@example.org"]["Message-ID"]
    assert [p.get_content() for p in again.iter_parts()] == [
        p.get_content() for p in first["b@example.org"].iter_parts()
    ]


@pytest.mark.parametrize(
    ("headline", "lead"),
    [
        ("Short headline", "Short headline"),
        ("word " * 15 + "end", "word " * 15 + "end"),
        (
            "Tunisia's president dissolves parliament and calls early elections for the "
            "autumn, citing a deadlock",
            "Tunisia's president dissolves parliament and calls early elections for the…",
        ),
        ("x" * 100, "x" * 79 + "…"),
    ],
)
def test_the_lead_is_the_first_headline_cut_at_a_word(headline, lead):
    from digest.news import Bilingual

    issue = summit_issue()
    story = dataclasses.replace(issue.stories[0], headline=Bilingual(ar="عنوان", en=headline))
    issue = dataclasses.replace(issue, stories=(story,))
    assert compose.lead(issue) == lead and len(lead) <= compose.LEAD_LENGTH
    assert compose.subject(issue, "{title} · {date}: {lead}") == (
        f"Arabic press digest · 2025-08-16: {lead}"
    )


def test_a_replaced_template_without_the_unsubscribe_link_sends_nothing(tmp_path, site):
    templates = tmp_path / "templates"
    templates.mkdir()
    builtin = render.bundled("templates") / "newsletter.txt.j2"
    (templates / "newsletter.txt.j2").write_text(
        builtin.read_text(encoding="utf-8").replace("Unsubscribe: {{ footer.unsubscribe }}", ""),
        encoding="utf-8",
    )
    with smtp_server() as (server, box):
        loaded = config(tmp_path, site, server.port)
        loaded = dataclasses.replace(
            loaded, build=dataclasses.replace(loaded.build, templates=templates)
        )
        with pytest.raises(TemplateError, match="unsubscribe link"):
            send(loaded)
    assert not box.received and not box.reached and not rows()
