"""The web app of `digest review`: the review page and the JSON API it uses, on 127.0.0.1.

Starlette serves it and uvicorn runs it. The page and its assets hold no issue data and are
served to anyone who reaches the port; every API route needs the access token or a key a page
exchanged a one-time code for (digest/review/access.py), given as an ``Authorization: Bearer``
header (or ``?token=`` for the token). No cookie is ever set. A request whose Host is not the
app's own (127.0.0.1, or localhost, the same machine) is refused (DNS rebinding), and so is a
write whose Origin is another site's. Request bodies are capped at MAX_BODY. Writes name the
version of the issue they were made against (``If-Match`` or ``"version"``); the edit model
(digest/review/edits.py) refuses a stale one with 409.

One ``digest review`` per output folder: the first holds a lock on the hidden file
``.digest-review`` there and writes its URL into it; a second finds the lock held and prints
that URL instead of starting. The kernel releases the lock when the process dies, however it
dies, so a file left by a killed process blocks nothing.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from digest import disk
from digest.errors import DigestError, SiteError, UsageError
from digest.publish import render
from digest.review import edits
from digest.review.access import Access, invite

HOST = "127.0.0.1"
RUNNING_FILE = ".digest-review"
RUNNING_WAIT_S = 5.0
PAGE = "review.html.j2"
ASSET_TYPES = {"review.js": "text/javascript", "review.css": "text/css"}
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
MAX_BODY = 1_000_000
TOO_LARGE = f"the request body is over {MAX_BODY:,} bytes; no change is that large"
STATUS = {edits.UnknownId: 404, edits.BadChange: 422, edits.Stale: 409, edits.NotRemembered: 503}

Handler = Callable[[Request], Awaitable[Response]]


class Denied(Exception):
    """A request refused before the edit model sees it (a body that is not JSON, no version),
    with the HTTP status to answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=SECURITY_HEADERS)


async def capped(request: Request) -> bytes:
    """The body, read no further than MAX_BODY: a larger one is refused (413) as soon as it is
    declared or has arrived past the cap, never held whole."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise Denied(413, TOO_LARGE)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise Denied(413, TOO_LARGE)
        chunks.append(chunk)
    return b"".join(chunks)


async def failed(request: Request, failure: Exception) -> Response:
    """Whatever escapes a route still answers as the API documents, JSON with ``error``."""
    return error(500, f"the review app failed: {type(failure).__name__}; see its terminal")


def create_app(session: edits.Review, access: Access | str, origin: str) -> Starlette:
    """The app for one issue under review; ``origin`` is where it is served
    (``http://127.0.0.1:PORT``), the only origin whose pages may write."""
    if isinstance(access, str):
        access = Access(access)
    host = origin.split("://", 1)[1]
    hostname = host.rsplit(":", 1)[0]
    hostnames = [hostname, "localhost"] if hostname == HOST else [hostname]
    origins = {origin.replace(f"//{hostname}", f"//{name}", 1) for name in hostnames}

    def authorised(request: Request) -> bool:
        header = request.headers.get("authorization", "")
        if header.lower().startswith("bearer "):
            return access.allows(header[7:].strip())
        given = request.query_params.get("token", "")
        return bool(given) and secrets.compare_digest(
            given.encode("utf-8", "replace"), access.token.encode()
        )

    def foreign(request: Request) -> Response | None:
        sent = request.headers.get("origin")
        if request.method not in ("GET", "HEAD") and sent is not None and sent not in origins:
            return error(403, f"a write from {sent} is refused; use the review page")
        return None

    def guarded(handler: Handler) -> Handler:
        async def run(request: Request) -> Response:
            if not authorised(request):
                return error(401, "no valid token: open the URL `digest review` printed")
            refused = foreign(request)
            if refused is not None:
                return refused
            try:
                return await handler(request)
            except Denied as refusal:
                return error(refusal.status, str(refusal))
            except edits.ReviewError as failure:
                return error(STATUS.get(type(failure), 500), str(failure))
            except DigestError as failure:
                return error(500, str(failure))

        return run

    def snapshot(result: edits.Snapshot) -> JSONResponse:
        return JSONResponse(
            edits.as_json(
                result,
                session.editor,
                session.mail(result.issue.date),
                session.suggestions(result.issue),
            ),
            headers={**SECURITY_HEADERS, "ETag": f'"{result.version}"'},
        )

    async def body(request: Request) -> dict[str, Any]:
        raw = await capped(request)
        if not raw:
            return {}
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            raise Denied(400, "the request body is not JSON (or nests too deep)") from None
        if not isinstance(data, dict):
            raise Denied(400, "the request body must be a JSON object")
        return data

    def version(request: Request, data: dict[str, Any]) -> str:
        given = request.headers.get("if-match") or data.get("version")
        if not isinstance(given, str) or not given.strip():
            raise Denied(428, 'name the version you edited (If-Match or "version")')
        return given.strip().removeprefix("W/").strip('"')

    def write(change: Callable[[str, dict[str, Any], Request], edits.Snapshot]) -> Handler:
        async def run(request: Request) -> Response:
            data = await body(request)
            given = version(request, data)
            return snapshot(await run_in_threadpool(change, given, data, request))

        return guarded(run)

    def text(data: dict[str, Any], key: str) -> str:
        value = data.get(key)
        if not isinstance(value, str):
            raise Denied(400, f'"{key}" must be a string')
        return value

    def identifiers(data: dict[str, Any]) -> list[str]:
        order = data.get("order")
        if not isinstance(order, list) or not all(isinstance(key, str) for key in order):
            raise Denied(400, '"order" must be a list of story ids')
        return order

    async def page(request: Request) -> Response:
        html = render.render_template(session.env, PAGE, title="digest review")
        return HTMLResponse(html, headers=SECURITY_HEADERS)

    async def exchange(request: Request) -> Response:
        refused = foreign(request)
        if refused is not None:
            return refused
        try:
            code = text(await body(request), "code")
        except Denied as refusal:
            return error(refusal.status, str(refusal))
        key = access.exchange(code)
        if key is None:
            return error(
                401,
                "this one-time code was used or has expired: open the URL `digest review` "
                "printed in its terminal",
            )
        return JSONResponse({"key": key}, headers=SECURITY_HEADERS)

    async def codes(request: Request) -> Response:
        return JSONResponse({"code": access.code()}, headers=SECURITY_HEADERS)

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in ASSET_TYPES:
            return error(404, f"no asset {name}")
        source = render.asset_source(session.env, f"assets/{name}")
        return Response(source, media_type=ASSET_TYPES[name], headers=SECURITY_HEADERS)

    async def issue(request: Request) -> Response:
        return snapshot(await run_in_threadpool(session.load))

    def line_id(request: Request) -> str:
        return request.path_params["id"]

    routes = [
        Route("/", page),
        Route("/assets/{name}", asset),
        Route("/api/session", exchange, methods=["POST"]),
        Route("/api/codes", guarded(codes), methods=["POST"]),
        Route("/api/issue", guarded(issue)),
        Route(
            "/api/lines/{id}",
            write(lambda v, d, r: session.edit(v, line_id(r), text(d, "english"))),
            methods=["PUT"],
        ),
        Route(
            "/api/lines/{id}",
            write(lambda v, d, r: session.drop_line(v, line_id(r))),
            methods=["DELETE"],
        ),
        Route(
            "/api/lines/{id}/resolve",
            write(lambda v, d, r: session.resolve(v, line_id(r))),
            methods=["POST"],
        ),
        Route(
            "/api/stories/order",
            write(lambda v, d, r: session.reorder(v, identifiers(d))),
            methods=["POST"],
        ),
        Route(
            "/api/stories/{id}",
            write(lambda v, d, r: session.drop_story(v, line_id(r))),
            methods=["DELETE"],
        ),
        Route("/api/approve", write(lambda v, d, r: session.approve(v)), methods=["POST"]),
    ]
    return Starlette(
        routes=routes,
        exception_handlers={Exception: failed},
        middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=hostnames)],
    )


def listening(port: int | None) -> socket.socket:
    """A socket on 127.0.0.1 at ``port``, or at a free port the system picks."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port or 0))
    except OSError as failure:
        sock.close()
        raise UsageError(
            f"cannot listen on {HOST}:{port}: {failure.strerror}; choose another --port, or "
            "leave it out for a free one"
        ) from None
    sock.listen(64)
    return sock


@dataclass(frozen=True)
class Running:
    """Whether this process serves the folder (``url`` None) or another does (its URL)."""

    url: str | None
    handle: int | None = None


@contextmanager
def only_one(out: Path) -> Iterator[Running]:
    """Hold the output folder's review lock, or say the URL of the process that holds it."""
    path = out / RUNNING_FILE
    while True:
        try:
            handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as failure:
            raise SiteError(
                f"cannot write {path}: {failure.strerror}; `digest review` needs to write in the "
                "output folder, as a build does"
            ) from None
        if not disk.take_lock(handle):
            os.close(handle)
            yield Running(url=other_url(path))
            return
        if os.path.exists(path) and os.stat(path).st_ino == os.fstat(handle).st_ino:
            break
        os.close(handle)
    try:
        os.ftruncate(handle, 0)
        yield Running(url=None, handle=handle)
    finally:
        path.unlink(missing_ok=True)
        os.close(handle)


def other_url(path: Path) -> str:
    """The URL the holder of the lock wrote; it writes it just after taking the lock."""
    waited_until = time.monotonic() + RUNNING_WAIT_S
    while True:
        try:
            url = path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            url = ""
        if url or time.monotonic() >= waited_until:
            return url or f"(another `digest review` is starting on {path.parent})"
        time.sleep(0.05)


def announce(running: Running, url: str) -> None:
    assert running.handle is not None
    os.write(running.handle, (url + "\n").encode("utf-8"))


class Server(uvicorn.Server):
    """uvicorn's server, stopped by SIGTERM or SIGINT as digest's other long-running commands
    are: the save in flight finishes, the lock file is removed and the command exits 0 (uvicorn
    would raise the signal again once stopped, killing the process before it cleans up)."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        previous = {
            sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGTERM, signal.SIGINT)
        }
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def serve(
    session: edits.Review,
    port: int | None,
    opened: Callable[[str, str | None, bool], None],
) -> None:
    """Serve the review until stopped (Ctrl+C, SIGTERM). ``opened`` is told, once the socket
    listens, the URL with the token (for the terminal), a one-time URL for a browser (None if
    none could be had) and whether this process serves it (False: another `digest review`
    already serves the folder, and this one returns)."""
    with only_one(session.out) as running:
        if running.url is not None:
            opened(running.url, invite(running.url), False)
            return
        sock = listening(port)
        origin = f"http://{HOST}:{sock.getsockname()[1]}"
        access = Access(secrets.token_urlsafe(32))
        url = f"{origin}/?token={access.token}"
        announce(running, url)
        app = create_app(session, access, origin)
        server = Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"))
        opened(url, f"{origin}/?code={access.code()}", True)
        server.run(sockets=[sock])
