"""Who may use a `digest review` server: whoever holds its token, or a page that exchanged a
one-time code for a key of its own.

The token is printed to the terminal that started the server (and kept in the 0600 file
``.digest-review``), never put anywhere another local user or another local web server could
read it. A browser is opened at ``/?code=…``: a command line is visible to every user in
/proc/*/cmdline, so what it carries is good for one exchange, within CODE_TTL_S, and for nothing
once the page has used it. The page keeps the key it gets in its own tab's sessionStorage, which
the browser scopes to this origin, port included; there is no cookie, since browsers send a
127.0.0.1 cookie to every port of 127.0.0.1, where any local server could read and replay it.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from urllib.parse import urlsplit

CODE_TTL_S = 300.0
INVITE_TIMEOUT_S = 10.0


class Access:
    """The token, the keys pages exchanged codes for, and the codes not exchanged yet."""

    def __init__(self, token: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.token = token
        self.clock = clock
        self.keys: list[str] = []
        self.codes: dict[str, float] = {}
        self.lock = threading.Lock()

    def allows(self, given: str) -> bool:
        """Whether ``given`` is the token or a key a page was given (compared in constant time:
        a local process may time its guesses)."""
        if not given:
            return False
        offered = given.encode("utf-8", "replace")
        with self.lock:
            known = [self.token, *self.keys]
        return any(secrets.compare_digest(offered, secret.encode()) for secret in known)

    def code(self) -> str:
        """A new one-time code, good for one exchange within CODE_TTL_S."""
        code = secrets.token_urlsafe(24)
        with self.lock:
            now = self.clock()
            self.codes = {kept: until for kept, until in self.codes.items() if until > now}
            self.codes[code] = now + CODE_TTL_S
        return code

    def exchange(self, code: str) -> str | None:
        """A key for the page that brings an unused, unexpired ``code``; None otherwise. The
        code is spent either way."""
        with self.lock:
            until = self.codes.pop(code, None)
            if until is None or until <= self.clock():
                return None
            key = secrets.token_urlsafe(32)
            self.keys.append(key)
        return key


def invite(url: str) -> str | None:
    """A one-time address for a browser, asked of the server at ``url`` (the token URL another
    `digest review` of the folder wrote): None when it cannot be had, and no browser opens."""
    parts = urlsplit(url)
    token = dict(pair.split("=", 1) for pair in parts.query.split("&") if "=" in pair).get("token")
    if not token:
        return None
    origin = f"{parts.scheme}://{parts.netloc}"
    request = urllib.request.Request(
        f"{origin}/api/codes",
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Origin": origin},
    )
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with direct.open(request, timeout=INVITE_TIMEOUT_S) as answer:
            return f"{origin}/?code={json.load(answer)['code']}"
    except (OSError, ValueError, KeyError, TypeError, urllib.error.URLError):
        return None
