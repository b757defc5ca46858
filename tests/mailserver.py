"""A real SMTP server (aiosmtpd) on 127.0.0.1 for the mail tests, with faults on request.

``replies`` scripts what the server answers at RCPT or DATA for an address (4xx, 5xx), ``hold``
makes it stall at a stage for an address so a test can stop the server or kill the client at a
known point. Every accepted message is kept whole, as bytes, with its envelope.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Received:
    sender: str
    recipients: tuple[str, ...]
    data: bytes
    tls: bool = False

    @property
    def message(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)


@dataclass
class Mailbox:
    """The aiosmtpd handler: records messages, answers as scripted."""

    received: list[Received] = field(default_factory=list)
    replies: dict[tuple[str, str], list[str]] = field(default_factory=lambda: defaultdict(list))
    hold: dict[tuple[str, str], float] = field(default_factory=dict)
    reached: dict[tuple[str, str], threading.Event] = field(
        default_factory=lambda: defaultdict(threading.Event)
    )

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.recipients]

    async def stage(self, stage: str, address: str) -> str | None:
        self.reached[(stage, address)].set()
        if (stage, address) in self.hold:
            await asyncio.sleep(self.hold[(stage, address)])
        scripted = self.replies.get((stage, address))
        return scripted.pop(0) if scripted else None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = await self.stage("RCPT", address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        (address,) = envelope.rcpt_tos
        scripted = self.replies.get(("DATA", address))
        if scripted:
            return scripted.pop(0)
        self.received.append(
            Received(
                envelope.mail_from,
                tuple(envelope.rcpt_tos),
                envelope.original_content,
                session.ssl is not None,
            )
        )
        await self.stage("DATA", address)
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server(
    mailbox: Mailbox | None = None, port: int | None = None, **smtp_options
) -> Iterator[tuple[Controller, Mailbox]]:
    mailbox = mailbox or Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port or free_port(), **smtp_options)
    controller.start()
    try:
        yield controller, mailbox
    finally:
        if not controller.loop.is_closed():
            controller.stop()


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_config(path, top=None, mail=None, schedule=None):
    """A digest.toml from dicts: top-level keys, [mail] and [schedule]."""
    lines = [f"{k} = {toml_value(v)}" for k, v in (top or {}).items()]
    for name, table in (("mail", mail), ("schedule", schedule)):
        if table is not None:
            lines += [f"[{name}]", *(f"{k} = {toml_value(v)}" for k, v in table.items())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
