"""The SMTP transport: one connection, encrypted and logged in as configured, and one
transaction per message, with every failure sorted by what it means for a duplicate.

- ``Unreachable``: the server's name does not resolve or it refuses the connection. Waiting will
  not fix a typo in mail.host or a server that is down, so the send stops at once.
- ``Temporary``: a 4xx reply, or a connection that dropped or timed out before the message was
  handed over: worth another try.
- ``Refused``: a 5xx reply for this recipient or message: it will not go through on a retry.
- ``Uncertain``: the connection broke after the whole message was sent and before the server's
  reply, so the server may have it. A loss before that (at the DATA command, before the server's
  354, or while the body was still going out, its final "." unsent) is ``Temporary``: a server
  delivers nothing it has not seen the end of.
"""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
from collections.abc import Callable

from digest.errors import MailError
from digest.settings import PASSWORD_VARIABLE, MailSettings


class Unreachable(Exception):
    """No server to talk to: the host name does not resolve or the port refuses connections."""


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
    except socket.gaierror as error:
        raise Unreachable(
            f"cannot connect to {where}: the name {settings.host} does not resolve "
            f"({error.strerror}); check mail.host"
        ) from None
    except ConnectionRefusedError:
        raise Unreachable(
            f"cannot connect to {where}: connection refused; check mail.host and mail.port, "
            "and that the server is running"
        ) from None
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
    """One SMTP transaction. ``handing_over`` runs once the server has said 354, just before
    the message goes out: from the end of the message on, a broken connection means the server
    may have it."""
    reply: bytes | str
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
        code, reply = smtp.docmd("DATA")
    except (smtplib.SMTPServerDisconnected, OSError) as error:
        raise Temporary(f"connection lost: {error or 'closed by the server'}", True) from None
    if code != 354:
        text = reply_text(code, reply)
        raise Refused(text) if code >= 500 else Temporary(text)
    handing_over()
    try:
        smtp.send(dot_stuffed(message))
    except (smtplib.SMTPServerDisconnected, OSError) as error:
        raise Temporary(
            f"connection lost before the end of the message: {error or 'closed by the server'}",
            True,
        ) from None
    try:
        code, reply = smtp.getreply()
    except (smtplib.SMTPServerDisconnected, OSError) as error:
        raise Uncertain(
            f"connection lost while handing over the message: {error or 'closed by the server'}"
        ) from None
    if code != 250:
        text = reply_text(code, reply)
        raise Refused(text) if code >= 500 else Temporary(text)


def dot_stuffed(message: bytes) -> bytes:
    """The DATA payload (RFC 5321 4.5.2): a line's leading "." doubled, then CRLF "." CRLF."""
    body = re.sub(rb"(?m)^\.", b"..", message)
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    return body + b".\r\n"


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
