"""URLs as sources, against a real HTTP server on 127.0.0.1: pages, feeds, and servers that
misbehave (slow, 404, redirect loop, oversized, trickling), with short limits so the suite stays
fast."""

import dataclasses
import datetime as dt
import socket
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from digest.ingest import read_sources
from digest.ingest.fetch import Fetched, FetchOptions, fetch_all, private_address
from tests.conftest import SEEDS
from tests.hostile_inputs import Server
from tests.test_build import digest

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "ingest"
QUICK = FetchOptions(
    connect_timeout=2, read_timeout=0.3, deadline=1.0, max_bytes=200_000, concurrency=2
)
# For fetches that must succeed: the server shares this process's interpreter with the
# client's parsing, so on a busy machine a 0.3 s gap between bytes is not a broken server.
PATIENT = dataclasses.replace(QUICK, read_timeout=5.0, deadline=15.0)
# The test server is on 127.0.0.1, which feed links may lead to only when allowed.
PRIVATE_OK = dataclasses.replace(PATIENT, allow_private=True)
SANDSTORM = (
    "ضربت عاصفة رملية قوية عدة مدن في جنوب العراق، الأربعاء، ما أدى إلى تعليق الرحلات الجوية "
    "في مطار البصرة الدولي وإغلاق عدد من الطرق السريعة.",
    "وأفادت وزارة الصحة العراقية بنقل عشرات الأشخاص إلى المستشفيات بسبب حالات اختناق، "
    "معظمهم من كبار السن والأطفال.",
    "وتوقعت هيئة الأنواء الجوية أن تنحسر العاصفة تدريجيا مساء الخميس مع هبوب رياح شمالية.",
)
FINAL = (
    "توج نادي الأهلي المصري بلقب دوري أبطال أفريقيا لكرة القدم بعد فوزه في المباراة النهائية "
    "على ملعب القاهرة الدولي أمام أكثر من خمسين ألف متفرج.",
    "وسجل هدف المباراة الوحيد المهاجم في الدقيقة الخامسة والسبعين من ركلة جزاء احتسبها الحكم "
    "بعد العودة إلى تقنية الفيديو.",
    "وهذا هو اللقب الثاني عشر للنادي في تاريخ البطولة القارية، وهو رقم قياسي.",
)


def page(title: str, paragraphs: tuple[str, ...], date: str) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<html lang="ar"><head><meta charset="utf-8"><title>{title}</title>'
        f'<meta property="article:published_time" content="{date}">'
        f'<meta property="og:site_name" content="موقع الاختبار"></head>'
        f"<body><nav><a href='/'>الرئيسية</a> <a href='/s'>رياضة</a></nav>"
        f"<article><h1>{title}</h1>{body}</article><footer>جميع الحقوق محفوظة</footer></body></html>"
    ).encode()


def feed(base: str) -> bytes:
    items = "".join(
        f"<item><title>{title}</title><link>{base}{path}</link>"
        f"<pubDate>{date}</pubDate><description>{summary}</description></item>"
        for title, path, date, summary in (
            ("عاصفة رملية في البصرة", "/a/1", "Wed, 05 Mar 2025 10:00:00 +0300", SANDSTORM[0]),
            ("الأهلي بطلا لأفريقيا", "/a/2", "Sat, 08 Mar 2025 23:45:00 +0200", FINAL[0]),
            ("خبر محذوف", "/404", "Sun, 09 Mar 2025 08:00:00 +0300", SANDSTORM[2]),
        )
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>خلاصة الاختبار</title>{items}</channel></rss>"
    ).encode()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def send(self, body: bytes, content_type: str, status: int = 200, length: bool = True):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        server = self.server
        server.agents.append(self.headers.get("User-Agent", ""))
        path = self.path.partition("?")[0]
        if path == "/page":
            self.send((FIXTURES / "page.html").read_bytes(), "text/html; charset=utf-8")
        elif path == "/moved":
            self.send_response(301)
            self.send_header("Location", "/page")
            self.end_headers()
        elif path == "/feed.xml":
            self.send(feed(server.base), "application/rss+xml")
        elif path == "/a/1":
            self.send(page("عاصفة رملية", SANDSTORM, "2025-03-05T10:00:00+03:00"), "text/html")
        elif path == "/a/2":
            self.send(page("الأهلي بطلا", FINAL, "2025-03-08T23:45:00+02:00"), "text/html")
        elif path == "/plain-html":
            self.send(page("عاصفة رملية", SANDSTORM, "2025-03-05"), "text/plain; charset=utf-8")
        elif path == "/seed.txt":
            self.send(next(SEEDS.glob("002_*.txt")).read_bytes(), "text/plain; charset=utf-8")
        elif path == "/cp1256":
            html = (
                page("عاصفة رملية", SANDSTORM, "2025-03-05")
                .decode()
                .replace(' charset="utf-8"', "")
            )
            self.send(html.encode("cp1256"), "text/html; charset=windows-1256")
        elif path == "/slow":
            time.sleep(2)
            self.send(b"late", "text/plain")
        elif path == "/trickle":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            for _ in range(40):
                self.wfile.write(b"<p>" + "ن".encode() * 10 + b"</p>")
                self.wfile.flush()
                time.sleep(0.1)
        elif path == "/slow-headers":
            for (
                byte
            ) in b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Padding: aaaaaaaa\r\n\r\n":
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.1)
        elif path == "/deep-json-ld":
            deep = b'<script type="application/ld+json">' + b"[" * 100_000 + b"</script></head>"
            self.send(page("عاصفة", SANDSTORM, "2025-03-05").replace(b"</head>", deep), "text/html")
        elif path == "/bad-redirect":
            self.send_response(302)
            self.send_header("Location", "http://xn--/x")
            self.end_headers()
        elif path == "/loop":
            self.send_response(302)
            self.send_header("Location", "/loop")
            self.end_headers()
        elif path == "/big":
            self.send(b"<p>" + b"x" * 300_000 + b"</p>", "text/html")
        elif path == "/big-unannounced":
            self.send(b"<p>" + b"x" * 300_000 + b"</p>", "text/html", length=False)
        elif path.startswith("/wait/"):
            with server.lock:
                server.active += 1
                server.peak = max(server.peak, server.active)
                if server.active == PATIENT.concurrency:
                    server.full.set()
            server.full.wait(10)
            with server.lock:
                server.active -= 1
            self.send(page("الأهلي بطلا", FINAL, "2025-03-08"), "text/html")
        else:
            self.send(b"<h1>Not Found</h1>", "text/html", status=404)
        server.completed.add(self.path)


@pytest.fixture(scope="module")
def server():
    httpd = Server(("127.0.0.1", 0), Handler)
    httpd.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.agents, httpd.lock, httpd.active, httpd.peak = [], threading.Lock(), 0, 0
    httpd.full, httpd.completed = threading.Event(), set()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/404", "HTTP 404 Not Found"),
        ("/slow", "the server sent nothing for 0.3 s (read timeout)"),
        ("/loop", "more than 5 redirects (a redirect loop?)"),
        ("/big", "over the 200,000-byte limit"),
        ("/big-unannounced", "over the 200,000-byte limit"),
        ("/trickle", "took longer than 1 s"),
        ("/slow-headers", "took longer than 1 s"),
    ],
)
def test_each_failure_is_a_reason(server, path, reason):
    """A server that is slow to answer, or answers too slowly, is given up on at the limits:
    the reason comes back while the server is still in the middle of its reply."""
    request = f"{path}?try={uuid.uuid4().hex}"
    (result,) = fetch_all([server.base + request], QUICK)
    assert not isinstance(result, Fetched)
    assert reason in str(result)
    if path in ("/slow", "/trickle", "/slow-headers"):
        assert request not in server.completed, "the client waited for the whole reply"


def test_connection_refused_is_a_reason():
    with Server(("127.0.0.1", 0), Handler) as closed:
        port = closed.server_address[1]
    (result,) = fetch_all([f"http://127.0.0.1:{port}/page"], QUICK)
    assert "could not fetch" in str(result)


def test_pages_are_fetched_with_digest_user_agent_and_redirects_followed(server):
    server.agents.clear()
    (fetched,) = fetch_all([server.base + "/moved"], PATIENT)
    assert fetched.final_url == server.base + "/page"
    assert fetched.content == (FIXTURES / "page.html").read_bytes()
    assert server.agents and all(agent.startswith("digest/") for agent in server.agents)


def test_at_most_concurrency_requests_at_once(server):
    """Each request is held until as many as the limit are in at once (an event, not a sleep),
    so the peak is exactly the limit: a client that asked one at a time would stay at 1."""
    server.peak = 0
    server.full.clear()
    results = fetch_all([f"{server.base}/wait/{i}" for i in range(8)], PATIENT)
    assert all(isinstance(r, Fetched) for r in results)
    assert server.peak == PATIENT.concurrency


def test_urls_of_a_page_a_feed_and_text_with_one_bad_url(server, caplog):
    ingested = read_sources(
        [
            server.base + "/page",
            server.base + "/feed.xml",
            server.base + "/seed.txt",
            server.base + "/gone",
        ],
        options=PATIENT,
    )
    bank, sandstorm, final, missing, seed = ingested.articles
    assert bank.url == "https://news.example.org/economy/2025/03/central-bank-rates"
    assert bank.published == dt.date(2025, 3, 4)
    assert (sandstorm.url, sandstorm.paragraphs) == (server.base + "/a/1", SANDSTORM[:1])
    assert final.published == dt.date(2025, 3, 8)
    assert missing.title == "خبر محذوف"
    assert seed.published == dt.date(2025, 8, 16) and seed.url == server.base + "/seed.txt"
    (failure,) = ingested.failures
    assert failure.origin == server.base + "/gone"
    assert f"could not process {server.base}/gone: HTTP 404 Not Found" in caplog.text


def test_fetch_articles_follows_each_entry_to_its_page(server, caplog):
    ingested = read_sources([server.base + "/feed.xml"], fetch_articles=True, options=PRIVATE_OK)
    sandstorm, final, missing = ingested.articles
    assert sandstorm.paragraphs == SANDSTORM
    assert sandstorm.title == "عاصفة رملية"  # the page's own title over the entry's
    assert sandstorm.source == "موقع الاختبار"
    assert final.paragraphs == FINAL
    assert final.published == dt.date(2025, 3, 8)
    # The page is gone: the entry's own text stands in, and says so.
    assert missing.paragraphs == SANDSTORM[2:]
    assert any("HTTP 404" in w for w in missing.warnings)
    assert f"could not process {server.base}/404: HTTP 404 Not Found" in caplog.text
    assert ingested.failures == ()


def test_http_charset_header_decodes_windows_1256(server):
    (article,) = read_sources([server.base + "/cp1256"], options=PATIENT).articles
    assert article.paragraphs == SANDSTORM
    assert article.encoding == "cp1256 (HTTP header windows-1256)"


def test_build_from_a_folder_a_feed_file_and_urls(server, tmp_path):
    sources = (SEEDS, FIXTURES / "atom.xml", server.base + "/a/1", server.base + "/gone")
    lenient = digest("build", *sources, "--no-translate", "--out", tmp_path / "site")
    assert lenient.returncode == 0, lenient.stderr
    assert f"could not process {server.base}/gone: HTTP 404 Not Found" in lenient.stderr
    markdown = next((tmp_path / "site").glob("*/digest.md")).read_text(encoding="utf-8")
    for text in ("ترامب", "الأهلي", "عاصفة رملية"):
        assert text in markdown

    strict = digest("build", *sources, "--no-translate", "--strict", "--out", tmp_path / "s")
    assert strict.returncode == 1
    assert not (tmp_path / "s").exists()


def test_inspect_a_url(server):
    result = digest("inspect", server.base + "/a/2", "--json")
    assert result.returncode == 0, result.stderr
    assert '"paragraphs": [' in result.stdout and FINAL[1] in result.stdout


def test_only_http_urls(tmp_path):
    result = digest("inspect", "ftp://example.org/a.html")
    assert result.returncode == 2
    assert "error: ftp://example.org/a.html: digest fetches http:// and https:// URLs only" in (
        result.stderr
    )


def test_a_page_served_as_text_plain_is_read_as_html(server):
    (article,) = read_sources([server.base + "/plain-html"], options=PATIENT).articles
    assert article.paragraphs == SANDSTORM
    assert article.title == "عاصفة رملية"


def test_feed_links_to_private_addresses_are_refused_unless_allowed(server, caplog):
    """The feed is named by the user (trusted); the links inside it lead to 127.0.0.1."""
    ingested = read_sources([server.base + "/feed.xml"], fetch_articles=True, options=PATIENT)
    sandstorm = ingested.articles[0]
    assert sandstorm.paragraphs == SANDSTORM[:1], "the feed's own text, not the page"
    assert any("private address (127.0.0.1)" in w for w in sandstorm.warnings)
    assert "allow_private_urls" in caplog.text


@pytest.mark.parametrize(
    ("host", "private"),
    [
        ("127.0.0.1", True),
        ("localhost", True),
        ("10.1.2.3", True),
        ("192.168.0.1", True),
        ("169.254.169.254", True),
        ("[::1]", True),
        ("fe80::1", True),
        ("0.0.0.0", True),
        ("93.184.215.14", False),
        ("2606:4700::1111", False),
    ],
)
def test_private_addresses(host, private):
    assert (private_address(host) is not None) == private


@pytest.mark.parametrize(
    "url", ["http://[evil/x", "http://xn--/", "http://a:99999/", "http://", "https://:80/"]
)
def test_a_url_httpx_cannot_use_is_a_reason(url):
    """An IDNA error (`http://xn--/`) used to escape the fetch thread and end the build."""
    (result,) = fetch_all([url], QUICK)
    assert not isinstance(result, Fetched)
    assert "not a valid URL" in str(result)


def test_a_redirect_to_a_url_httpx_cannot_use_is_a_reason(server):
    (result,) = fetch_all([server.base + "/bad-redirect"], QUICK)
    assert not isinstance(result, Fetched)
    assert "not a valid URL" in str(result)


def test_feed_links_that_are_no_urls_fall_back_to_the_entry(tmp_path):
    feed = tmp_path / "feed.xml"
    links = ["http://[evil/x", "http://xn--/a", "http://a:99999/b"]
    feed.write_text(
        '<rss version="2.0"><channel><title>خلاصة</title>'
        + "".join(
            f"<item><title>خبر {n}</title><link>{link}</link>"
            f"<description>{SANDSTORM[n]}</description></item>"
            for n, link in enumerate(links)
        )
        + "</channel></rss>",
        encoding="utf-8",
    )
    ingested = read_sources([feed], fetch_articles=True, options=QUICK)
    assert [a.paragraphs for a in ingested.articles] == [(p,) for p in SANDSTORM]
    assert ingested.failures == ()


def test_a_feed_link_is_fetched_from_the_address_that_was_checked(server, monkeypatch):
    """DNS rebinding: a name that resolves to a public address when it is checked and to
    127.0.0.1 when the connection is made must not reach the machine's own servers."""
    real = socket.getaddrinfo
    answers = []

    def rebinding(host, port, *args, **kwargs):
        if host != "rebind.test":
            return real(host, port, *args, **kwargs)
        address = "93.184.215.14" if not answers else "127.0.0.1"
        answers.append(address)
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port or 0))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    server.agents.clear()
    port = server.server_address[1]
    (result,) = fetch_all([f"http://rebind.test:{port}/page"], QUICK, found_in_feeds=True)
    assert "private address (127.0.0.1)" in str(result)
    assert server.agents == [], "the request reached 127.0.0.1"
    assert answers, "the name was never resolved"


def test_a_feed_link_connects_to_the_public_address_it_checked(monkeypatch):
    """The socket is opened to the address checked, never to the name (which the operating
    system would resolve again)."""
    import httpcore

    real = socket.getaddrinfo
    connected = []

    def public(host, port, *args, **kwargs):
        if host == "news.test":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port or 0))]
        return real(host, port, *args, **kwargs)

    def connect_tcp(self, host, port, *args, **kwargs):
        connected.append((host, port))
        raise httpcore.ConnectError("no network in the test")

    monkeypatch.setattr(socket, "getaddrinfo", public)
    monkeypatch.setattr(httpcore.SyncBackend, "connect_tcp", connect_tcp)
    (result,) = fetch_all(["http://news.test:8080/a"], QUICK, found_in_feeds=True)
    assert "could not fetch" in str(result)
    assert connected == [("93.184.215.14", 8080)]


def test_a_fetched_page_with_json_ld_nested_100000_deep_is_read(server):
    """RecursionError used to escape from the page reader, through --fetch-articles too."""
    (article,) = read_sources([server.base + "/deep-json-ld"], options=PATIENT).articles
    assert article.paragraphs == SANDSTORM
