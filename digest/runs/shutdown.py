"""SIGTERM and SIGINT as a request to stop, not an exception.

An exception in the middle of an SMTP transaction would leave a message half handed over; a
request lets the message in flight finish and be logged, then the sender and the scheduler stop
at the next safe point.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)


@contextmanager
def stop_on_signals() -> Iterator[threading.Event]:
    """An event set by SIGTERM or SIGINT while the block runs; the old handlers come back after."""
    stop = threading.Event()

    def request(signum: int, _frame: object) -> None:
        log.info("%s received: stopping after the message in flight", signal.Signals(signum).name)
        stop.set()

    previous = {sig: signal.signal(sig, request) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
