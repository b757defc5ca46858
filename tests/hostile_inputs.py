"""Hostile inputs for every reader, built from explicit choices so that Hypothesis (the property
tests) and a seeded random generator (benchmarks/fuzz_readers.py) make the same kinds of input.

A choice is a plain value (a list of fragments, an encoding's name, a nesting depth); the
builders turn choices into the bytes of a file or an HTTP answer. ``draw_*`` functions make the
choices with ``random.Random``; the property tests make them with Hypothesis strategies over the
same tables.
"""

from __future__ import annotations

import functools
import gzip
import json
import random
import zlib
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from digest.ingest import Ingested
from digest.sanitise import UNSAFE

ARABIC = (
    "قال الرئيس إن الاجتماع كان مثمرا جدا وإن المحادثات ستستمر الأسبوع المقبل في العاصمة "
    "وأضاف أن الجانبين اتفقا على تشكيل لجنة مشتركة لمتابعة الملفات العالقة بينهما "
    "ضربت عاصفة رملية قوية عدة مدن في جنوب العراق ما أدى إلى تعليق الرحلات الجوية "
    "المصدر: الجزيرة إقرأ المزيد اقرأ أيضا: واشنطن/ الأناضول ١٢٫٥ ٢٠٢٥"
).split()
# Characters that break parsers, encoders, terminals and XML, or reorder what a reader sees.
HOSTILE = (
    "\x00", "\x07", "\x08", "\x0b", "\x0c", "\r", "\x1b", "\x1b]0;owned\x07",
    "\x1b]52;c;ZXZpbA==\x07", "\x1b[2J", "\x7f", "\x85", "\x9b", "\u00ad", "\u061c", "\u200b",
    "\u200d", "\u200e", "\u200f", "\u2028", "\u2029", "\u202a", "\u202b", "\u202c", "\u202d",
    "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\ufeff", "\ufdd0", "\ufffe", "\uffff",
    "\U0010ffff", "\ud800", "\udfff", "\ud83d\ude00", "<", ">", "&", "&amp;", "&#0;", "&#xD800;",
    "&#xFFFF;", "&#x1b;", "&#1114112;", "]]>", "<![CDATA[", "<!--", '"', "'", "\\", "\\u0000",
    "\\ud800", "{", "}", "[", "]", "\n", "\t", "---", ":", "Ø§Ù„", "ط§ظ„", "%00", "%ZZ", " ",
)  # fmt: skip
BAD_URLS = (
    "http://[evil/x", "http://xn--/", "http://a:99999/", "http://", "https://:80/",
    "javascript:alert(1)", "file:///etc/passwd", "//example.org/a", "http://127.0.0.1/",
    "http://[::1]:8/", "http://169.254.169.254/latest/", "http://exa mple.org/",
    "http://\u202eevil.org/", "http://example.org/\x1b]0;x\x07", "http://example.org/" + "a" * 5000,
    "http://user:pass@example.org:0/", "http://[fe80::1%25eth0]/", "https://example.org/2025/08/16/a",
    "",
)  # fmt: skip
ENCODINGS = (
    "utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp1256", "iso8859-6",
    "mojibake", "mixed", "truncated", "surrogates", "binary-tail",
)  # fmt: skip
DATES = (
    "2025-08-16", "9999-12-31", "0001-01-01", "2025-02-30", "not a date", "", "2025-08-16T25:00Z",
    "Wed, 05 Mar 2025 10:00:00 +0300", "1e309", "2025-08-16" + "0" * 1000,
)  # fmt: skip
COMPRESSIONS = (
    "identity", "gzip", "deflate", "raw-deflate", "gzip, gzip", "truncated-gzip",
    "corrupt-gzip", "br", "gzip, gzip, gzip, gzip", "bomb",
)  # fmt: skip
CONTENT_TYPES = (
    "text/html", "text/plain", "application/rss+xml", "application/atom+xml",
    "application/json", "application/x-ndjson", "application/octet-stream", "", "text/html; charset=windows-1256",
    "text/html; charset=bogus", "image/png",
)  # fmt: skip
KINDS = ("txt", "jsonl", "html", "xml")


@dataclass(frozen=True)
class Answer:
    """What a hostile HTTP server sends for one URL."""

    status: int
    content_type: str
    content_encoding: str
    body: bytes


def text_of(fragments: list[str]) -> str:
    return " ".join(fragments)


def encode(text: str, encoding: str) -> bytes:
    """``text`` as bytes the way a broken exporter or server might have written it."""
    if encoding == "mojibake":
        return text.encode("utf-8", "surrogatepass").decode("cp1252", "replace").encode("utf-8")
    if encoding == "mixed":
        half = len(text) // 2
        return text[:half].encode("utf-8", "replace") + text[half:].encode("cp1256", "replace")
    if encoding == "truncated":
        data = text.encode("utf-8", "replace")
        return data[: max(0, len(data) - 1)]
    if encoding == "surrogates":
        return text.encode("utf-8", "surrogatepass")
    if encoding == "binary-tail":
        return text.encode("utf-8", "replace") + bytes(range(256))
    return text.encode(encoding, "replace")


def front_matter_text(title: str, url: str, date: str, source: str, body: str) -> str:
    return f"---\ntitle: {title}\nurl: {url}\ndate: {date}\nsource: {source}\n---\n{body}\n"


def json_line(fields: dict[str, object], depth: int, raw: str | None) -> str:
    """One JSON line: ``raw`` as it is when given, else the fields nested ``depth`` arrays deep,
    with non-ASCII written as escapes (so lone surrogates arrive as ``\\ud800``)."""
    if raw is not None:
        return raw
    line = json.dumps(fields, ensure_ascii=True)
    return "[" * depth + line + "]" * depth


def html_page(
    title: str, paragraphs: list[str], canonical: str, date: str, json_ld_depth: int, tags: int
) -> str:
    json_ld = "[" * json_ld_depth + json.dumps({"datePublished": date}) + "]" * json_ld_depth
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    nested = "<div>" * tags + body + "</div>" * tags
    return (
        f"<html><head><title>{title}</title><link rel='canonical' href='{canonical}'>"
        f"<meta property='article:published_time' content='{date}'>"
        f"<script type='application/ld+json'>{json_ld}</script></head>"
        f"<body><article><h1>{title}</h1>{nested}</article></body></html>"
    )


def feed(atom: bool, channel: str, entries: list[tuple[str, str, str, str]]) -> str:
    if atom:
        items = "".join(
            f"<entry><title>{t}</title><link href='{link}'/><updated>{d}</updated>"
            f"<content type='html'>{b}</content></entry>"
            for t, link, d, b in entries
        )
        return f"<feed xmlns='http://www.w3.org/2005/Atom'><title>{channel}</title>{items}</feed>"
    items = "".join(
        f"<item><title>{t}</title><link>{link}</link><pubDate>{d}</pubDate>"
        f"<description>{b}</description></item>"
        for t, link, d, b in entries
    )
    return f"<rss version='2.0'><channel><title>{channel}</title>{items}</channel></rss>"


def compress(body: bytes, how: str) -> tuple[str, bytes]:
    """The Content-Encoding header and the body as sent."""
    if how == "identity":
        return "", body
    if how == "gzip":
        return "gzip", gzip.compress(body, mtime=0)
    if how == "deflate":
        return "deflate", zlib.compress(body)
    if how == "raw-deflate":
        engine = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
        return "deflate", engine.compress(body) + engine.flush()
    if how == "gzip, gzip":
        return how, gzip.compress(gzip.compress(body, mtime=0), mtime=0)
    if how == "truncated-gzip":
        packed = gzip.compress(body, mtime=0)
        return "gzip", packed[: len(packed) // 2]
    if how == "corrupt-gzip":
        packed = bytearray(gzip.compress(body, mtime=0))
        packed[len(packed) // 2 :] = b"\xff" * (len(packed) - len(packed) // 2)
        return "gzip", bytes(packed)
    if how == "br":
        return "br", body
    if how == "bomb":
        return "gzip, gzip", bomb()
    return how, body


@functools.cache
def bomb() -> bytes:
    """64 MB of zeros in about 64 KB, inside a second gzip: over any byte cap once inflated."""
    return gzip.compress(gzip.compress(bytes(64 << 20), 9, mtime=0), mtime=0)


def draw_fragments(rng: random.Random, size: int) -> list[str]:
    pool = (ARABIC, HOSTILE, BAD_URLS)
    fragments = []
    for _ in range(size):
        table = rng.choices(pool, weights=(16, 3, 1))[0]
        fragments.append(rng.choice(table))
    if rng.random() < 0.001:
        fragments.append((rng.choice(ARABIC) + " ") * rng.randint(1_000, 30_000))
    return fragments


def draw_date(rng: random.Random) -> str:
    """Half the time a good date, so that many inputs get as far as being articles."""
    return DATES[0] if rng.random() < 0.5 else rng.choice(DATES)


def draw_encoding(rng: random.Random) -> str:
    return "utf-8" if rng.random() < 0.5 else rng.choice(ENCODINGS)


def draw_document(rng: random.Random, kind: str) -> str:
    """One document of ``kind`` (a file suffix) with random, mostly hostile, choices."""

    def text(size: int = 30) -> str:
        return text_of(draw_fragments(rng, rng.randint(0, size)))

    def url() -> str:
        return rng.choice(BAD_URLS) if rng.random() < 0.6 else "https://example.org/a/" + text(3)

    if kind == "txt":
        body = "\n".join(text() for _ in range(rng.randint(0, 6)))
        if rng.random() < 0.5:
            return front_matter_text(text(5), url(), draw_date(rng), text(3), body)
        return (f"date {draw_date(rng)}\n" if rng.random() < 0.3 else "") + body
    if kind == "jsonl":
        lines = []
        for _ in range(rng.randint(1, 5)):
            fields: dict[str, object] = {
                "title": text(5),
                "text": "\n".join(text() for _ in range(rng.randint(0, 4))),
                "url": url(),
                "published": draw_date(rng),
                "source": text(2),
            }
            if rng.random() < 0.2:
                fields[rng.choice(list(fields))] = rng.choice([1, None, [], {}, [text(3)], 1e308])
            if rng.random() < 0.2:
                fields["paragraphs"] = [text() for _ in range(rng.randint(0, 3))]
            depth = rng.choice([0] * 20 + [1, 50, 5_000, 100_000])
            raw = rng.choice([None] * 8 + [text(10), "{" * 1000, '{"text": "\\ud800'])
            lines.append(json_line(fields, depth, raw))
        return rng.choice(["\n", "\r\n", "\u2028\n"]).join(lines)
    if kind == "html":
        return html_page(
            text(5),
            [text() for _ in range(rng.randint(0, 8))],
            url(),
            draw_date(rng),
            rng.choice([0] * 20 + [1, 900, 5_000, 100_000]),
            rng.choice([0] * 20 + [10, 300, 3_000]),
        )
    entries = [(text(5), url(), draw_date(rng), text(40)) for _ in range(rng.randint(0, 4))]
    return feed(rng.random() < 0.5, text(3), entries)


def draw_file(rng: random.Random) -> tuple[str, bytes]:
    """A file suffix and its bytes; fewer pages than the rest, since a page costs trafilatura
    many times what a text file costs."""
    kind = rng.choices(KINDS, weights=(6, 6, 1, 6))[0]
    return kind, encode(draw_document(rng, kind), draw_encoding(rng))


def draw_answer(rng: random.Random) -> Answer:
    kind = rng.choice(KINDS)
    body = encode(draw_document(rng, kind), draw_encoding(rng))
    encoding, sent = compress(body, rng.choice(COMPRESSIONS))
    status = rng.choice([200] * 8 + [404, 500])
    return Answer(status, rng.choice(CONTENT_TYPES), encoding, sent)


def broken_rules(ingested: Ingested) -> list[str]:
    """How the result breaks the one rule for readers, if it does: every input ends as articles
    or one-line reports, and nothing a reader will be shown holds an unsafe character."""
    broken = []
    if not ingested.articles and not ingested.failures:
        broken.append("neither an article nor a report")
    for failure in ingested.failures:
        for name, value in (("origin", failure.origin), ("reason", failure.reason)):
            if not value or "\n" in value or UNSAFE.search(value):
                broken.append(f"failure {name} {value!r}")
    for article in ingested.articles:
        texts = [
            article.origin,
            article.title or "",
            article.source or "",
            article.url or "",
            *article.paragraphs,
            *article.related,
            *article.warnings,
        ]
        for value in texts:
            if UNSAFE.search(value) or "\n" in value:
                broken.append(f"article text {value[:80]!r}")
        if not article.paragraphs:
            broken.append("an article without paragraphs")
        if article.url is not None:
            try:
                _ = urlsplit(article.url).port
            except ValueError as error:
                broken.append(f"url {article.url[:80]!r}: {error}")
    return broken


class Handler(BaseHTTPRequestHandler):
    """Answers each path once, with the Answer queued for it in ``server.answers``."""

    def log_message(self, *args):
        pass

    def do_GET(self):
        answer = self.server.answers.pop(self.path)
        self.send_response(answer.status)
        if answer.content_type:
            self.send_header("Content-Type", answer.content_type)
        if answer.content_encoding:
            self.send_header("Content-Encoding", answer.content_encoding)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)


class Server(ThreadingHTTPServer):
    """A local test server that stays quiet when a client gives up mid-reply (a timeout, a size
    cap): that is what the client under test is meant to do."""

    daemon_threads = True

    def handle_error(self, request, client_address):
        pass
