"""Fetching pages and feeds over HTTP(S) with httpx, within limits.

Every request has connect and read timeouts, a redirect limit, a size cap enforced while the body
streams in (a server that lies about or omits Content-Length cannot make digest read a gigabyte)
and while it is decompressed (digest/ingest/inflate.py: a gzip bomb stops at the cap),
one wall-clock deadline per URL over connecting, the headers and the body (a server that
trickles its headers or body one byte a second never trips a read timeout: when the deadline
passes, the connection is shut from a timer and the fetch fails with that reason), and a
User-Agent naming digest. URLs are fetched a few at a time; each one that fails becomes a reason,
and the others go on.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import socket
import threading
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpcore
import httpx
from httpcore import SOCKET_OPTION

from digest.errors import ArticleError
from digest.ingest.article import unreadable
from digest.ingest.inflate import Body
from digest.sanitise import clean_line
from digest.version import __version__

log = logging.getLogger(__name__)
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

USER_AGENT = f"digest/{__version__} (Arabic news digest; python-httpx/{httpx.__version__})"


@dataclass(frozen=True)
class FetchOptions:
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    deadline: float = 60.0
    max_redirects: int = 5
    max_bytes: int = 10_000_000
    concurrency: int = 4
    user_agent: str = USER_AGENT
    # For links found inside feeds: a feed must not make digest fetch from the machine itself
    # or its network (a router's admin page, a cloud metadata address).
    allow_private: bool = False


@dataclass(frozen=True)
class Fetched:
    """A response body and what the server said about it."""

    url: str
    final_url: str
    content: bytes
    content_type: str
    charset: str | None


def is_url(source: str) -> bool:
    return source.lower().startswith(("http://", "https://"))


def addresses_of(host: str) -> list[IPAddress]:
    """The addresses ``host`` is or resolves to; none when the name does not resolve."""
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return []
    return list(
        dict.fromkeys(ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in found)
    )


def first_private(addresses: Sequence[IPAddress]) -> str | None:
    for address in addresses:
        if not address.is_global or address.is_multicast:
            return str(address)
    return None


def private_address(host: str) -> str | None:
    """The loopback, private, link-local or otherwise non-public address ``host`` is or
    resolves to, or None. A name that does not resolve is left to the fetch to report."""
    return first_private(addresses_of(host))


def refused(address: str) -> PrivateAddress:
    return PrivateAddress(
        f"the link leads to a private address ({address}); digest fetches feed links "
        "only from public addresses unless allow_private_urls = true"
    )


def refuse_private(request: httpx.Request) -> None:
    """httpx request hook, so a redirect to a private address is refused too, and a link that
    goes through a proxy (which resolves the name itself) is checked at least by name."""
    address = private_address(request.url.host)
    if address is not None:
        raise refused(address)


class PrivateAddress(httpx.RequestError):
    """A feed link to a loopback, private or link-local address."""


class PublicOnly(httpcore.SyncBackend):
    """Connects only to an address it has just checked. Checking a name and then letting the
    connection resolve it again leaves a window in which a DNS server that answers a public
    address first and 127.0.0.1 next (DNS rebinding) sends the fetch to the machine itself; so
    the name is resolved once, here, every answer checked, and the socket opened to one of them.
    """

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = addresses_of(host)
        if not addresses:
            raise httpcore.ConnectError(f"the name {host} does not resolve")
        if (address := first_private(addresses)) is not None:
            raise refused(address)
        failure: Exception = httpcore.ConnectError(f"no address of {host} answered")
        for pinned in addresses:
            try:
                return super().connect_tcp(
                    str(pinned), port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
        raise failure


def client(options: FetchOptions, public_only: bool = False) -> httpx.Client:
    # A fresh connection per request, so the deadline's timer knows every socket a fetch uses.
    limits = httpx.Limits(max_keepalive_connections=0)
    transport = httpx.HTTPTransport(limits=limits)
    if public_only:
        # httpx takes no network backend; the pool it would have made is made with ours.
        transport._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_keepalive_connections=0,
            network_backend=PublicOnly(),
        )
    return httpx.Client(
        transport=transport,
        event_hooks={"request": [refuse_private] if public_only else []},
        timeout=httpx.Timeout(
            options.read_timeout, connect=options.connect_timeout, pool=options.deadline
        ),
        follow_redirects=True,
        max_redirects=options.max_redirects,
        headers={"User-Agent": options.user_agent, "Accept-Encoding": "gzip, deflate"},
    )


class Deadline:
    """Shuts a fetch's connections when its time is up, whatever phase it is in."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.streams: list = []
        self.lock = threading.Lock()
        self.expired = False
        self.timer = threading.Timer(seconds, self.expire)
        self.timer.daemon = True

    def trace(self, event: str, info: dict) -> None:
        """httpcore's trace hook: note each connection as it is made."""
        if event.endswith(("connect_tcp.complete", "start_tls.complete")):
            with self.lock:
                self.streams.append(info["return_value"])
                if self.expired:
                    self.shut(info["return_value"])

    def expire(self) -> None:
        with self.lock:
            self.expired = True
            for stream in self.streams:
                self.shut(stream)

    @staticmethod
    def shut(stream) -> None:
        sock = stream.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


def fetch_one(http: httpx.Client, url: str, options: FetchOptions) -> Fetched:
    """The body of one URL, or ArticleError saying why not in words a user can act on."""
    deadline = Deadline(options.deadline)
    deadline.timer.start()
    try:
        fetched = fetch_within(http, url, options, deadline)
    except ArticleError:
        if not deadline.expired:
            raise
        fetched = None
    finally:
        deadline.timer.cancel()
    if fetched is None or deadline.expired:
        # A connection shut for the deadline can also look like a body that ended early.
        raise ArticleError(f"took longer than {options.deadline:g} s; gave up")
    return fetched


def checked_url(url: str) -> None:
    """ArticleError unless ``url`` is an http(s) URL with a host that httpx and the rest of
    digest can both use (httpx takes ``http://[evil/x`` and fails later, or raises IDNAError,
    which is no HTTP error, on ``http://xn--/``)."""
    try:
        parsed = httpx.URL(url)
        host = parsed.host
        _ = urlsplit(url).port
    except (httpx.InvalidURL, ValueError, UnicodeError) as error:
        raise ArticleError(f"not a valid URL ({clean_line(str(error))[:200]})") from None
    if parsed.scheme not in ("http", "https") or not host:
        raise ArticleError("not a valid URL (an http:// or https:// URL with a host)")


def fetch_within(
    http: httpx.Client, url: str, options: FetchOptions, deadline: Deadline
) -> Fetched:
    started = time.monotonic()
    checked_url(url)
    try:
        with http.stream("GET", url, extensions={"trace": deadline.trace}) as response:
            if response.status_code >= 400:
                raise ArticleError(f"HTTP {response.status_code} {response.reason_phrase}")
            length = response.headers.get("Content-Length", "")
            if length.isdigit() and int(length) > options.max_bytes:
                raise ArticleError(too_big(options))
            body = Body(
                response.headers.get("Content-Encoding", ""), options.max_bytes, too_big(options)
            )
            size = 0
            for chunk in response.iter_raw():
                size += len(chunk)
                if size > options.max_bytes:
                    raise ArticleError(too_big(options))
                if time.monotonic() - started > options.deadline:
                    raise ArticleError(f"took longer than {options.deadline:g} s; gave up")
                body.feed(chunk)
            return Fetched(
                url=url,
                final_url=str(response.url),
                content=body.finish(),
                content_type=response.headers.get("Content-Type", "").split(";")[0].strip(),
                charset=response.charset_encoding,
            )
    except PrivateAddress as error:
        raise ArticleError(str(error)) from None
    except httpx.TooManyRedirects:
        raise ArticleError(
            f"more than {options.max_redirects} redirects (a redirect loop?)"
        ) from None
    except httpx.ConnectTimeout:
        raise ArticleError(
            f"no connection within {options.connect_timeout:g} s (connect timeout)"
        ) from None
    except httpx.ReadTimeout:
        raise ArticleError(
            f"the server sent nothing for {options.read_timeout:g} s (read timeout)"
        ) from None
    except httpx.TimeoutException as error:
        raise ArticleError(f"timed out ({type(error).__name__})") from None
    except (httpx.InvalidURL, httpx.UnsupportedProtocol, UnicodeError, ValueError) as error:
        # A redirect's Location is parsed here, after the first URL was checked.
        raise ArticleError(f"not a valid URL ({clean_line(str(error))[:200]})") from None
    except httpx.HTTPError as error:
        raise ArticleError(f"could not fetch: {error or type(error).__name__}") from None


def too_big(options: FetchOptions) -> str:
    return f"the response is over the {options.max_bytes:,}-byte limit for one page or feed"


def fetch_all(
    urls: Sequence[str], options: FetchOptions, found_in_feeds: bool = False
) -> list[Fetched | ArticleError]:
    """Each URL's body or the error it met, in the order given, ``concurrency`` at a time.
    URLs ``found_in_feeds`` are fetched from public addresses only, unless allowed."""
    if not urls:
        return []

    def attempt(url: str) -> Fetched | ArticleError:
        try:
            return fetch_one(http, url, options)
        except ArticleError as error:
            return error
        except Exception as error:
            # Raised in a worker thread, it would end the whole build at pool.map.
            log.debug("fetching %s failed", url, exc_info=True)
            return ArticleError(unreadable(error))

    public_only = found_in_feeds and not options.allow_private
    with (
        client(options, public_only) as http,
        ThreadPoolExecutor(max_workers=options.concurrency) as pool,
    ):
        return list(pool.map(attempt, urls))
