"""Reading sources into Articles: files, folders and URLs; text, HTML pages, feeds, JSON lines.

A file's kind comes from its suffix, a fetched URL's from its Content-Type and then its first
bytes. Every input is decoded the same way (digest/ingest/decode.py), every article passes the
same checks (digest/ingest/article.py), and the same article reached twice is kept once
(digest/ingest/dedupe.py). A source that cannot be read becomes a Failure with a reason and the
others go on: one bad file or URL must not sink an issue.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TypeVar

from digest.errors import ArticleError, SourceError
from digest.ingest.article import unreadable
from digest.ingest.decode import decode
from digest.ingest.dedupe import dedupe
from digest.ingest.feed import Entry, entry_article, parse_feed, with_entry
from digest.ingest.fetch import Fetched, FetchOptions, fetch_all, is_url
from digest.ingest.html import parse_html
from digest.ingest.jsonl import parse_jsonl
from digest.ingest.text import parse_text
from digest.news import Article, Failure
from digest.sanitise import clean_line

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 10_000_000
# JSON lines hold many articles: a month of five outlets' March 2018 is 13.9 MB, and a user with
# an archive builds a past day from it (`--date`). 100 MB is some 30,000 articles; each one is
# still held to the body limit of digest/ingest/body.py.
MAX_LINES_BYTES = 100_000_000
KINDS = {
    ".txt": "text",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".xml": "feed",
    ".rss": "feed",
    ".atom": "feed",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
CONTENT_TYPES = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/rss+xml": "feed",
    "application/atom+xml": "feed",
    "application/rdf+xml": "feed",
    "text/plain": "text",
    "application/x-ndjson": "jsonl",
    "application/jsonl": "jsonl",
    "application/json": "jsonl",
}
FEED_ROOTS = (b"<rss", b"<feed", b"<rdf:rdf")
# Servers label pages text/plain by mistake; read as text, their markup would reach the issue.
MARKUP = re.compile(rb"<(!doctype\s+html|html|head|body|article|p|div|meta)[\s>/]")

Item = Article | Failure | Entry
T = TypeVar("T")


@dataclass(frozen=True)
class Ingested:
    articles: tuple[Article, ...]
    failures: tuple[Failure, ...]

    def require_articles(self) -> None:
        """Build and inspect alike: sources of which not one article could be read are a usage
        error (exit 2), however many failures were reported on the way."""
        if not self.articles:
            raise SourceError(
                "no article could be read from the sources given; nothing was written"
            )


def expand(sources: Iterable[str | Path]) -> list[Path | str]:
    """URLs as given, files named directly, and every readable file below each folder, sorted."""
    found: list[Path | str] = []
    for source in sources:
        if isinstance(source, str) and is_url(source):
            found.append(source)
            continue
        if isinstance(source, str) and "://" in source:
            raise SourceError(f"{source}: digest fetches http:// and https:// URLs only")
        path = Path(source)
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in KINDS)
        elif path.is_file():
            found.append(path)
        else:
            raise SourceError(f"no such file or folder: {source}")
    return found


def sniff(content: bytes, content_type: str) -> str:
    """A fetched document's kind: its Content-Type if that says, else its first bytes."""
    head = content[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(FEED_ROOTS) or (
        head.startswith(b"<?xml") and any(root in head for root in FEED_ROOTS)
    ):
        return "feed"
    if content_type in CONTENT_TYPES:
        kind = CONTENT_TYPES[content_type]
        return "html" if kind == "text" and MARKUP.search(head) else kind
    if head.startswith(b"<"):
        return "html"
    if head.startswith(b"{"):
        return "jsonl"
    return "text"


def parse(data: bytes, kind: str, origin: str, url: str | None, charset: str | None) -> list[Item]:
    decoded = decode(data, charset)
    if kind == "html":
        return [parse_html(decoded, origin, url)]
    if kind == "feed":
        return list(parse_feed(decoded, origin))
    if kind == "jsonl":
        return list(parse_jsonl(decoded, origin))
    return [parse_text(decoded.text, origin, decoded, url=url)]


def read_file(path: Path) -> list[Item]:
    kind = KINDS.get(path.suffix.lower())
    if kind is None:
        known = ", ".join(sorted(KINDS))
        raise ArticleError(
            f"unsupported file type {path.suffix or '(none)'!r}; digest reads {known}"
        )
    size = path.stat().st_size
    limit = MAX_LINES_BYTES if kind == "jsonl" else MAX_FILE_BYTES
    if size > limit:
        raise ArticleError(f"file is {size:,} bytes, over the {limit:,}-byte limit for one input")
    return parse(path.read_bytes(), kind, str(path), None, None)


def read_fetched(fetched: Fetched) -> list[Item]:
    kind = sniff(fetched.content, fetched.content_type)
    return parse(fetched.content, kind, fetched.url, fetched.final_url, fetched.charset)


def or_failure(origin: str, read: Callable[[], T]) -> T | list[Failure]:
    """What ``read`` gives, or one Failure for ``origin`` whatever it raises: the one rule for
    readers is that a bad input is its own report and never an exception out of read_sources."""
    try:
        return read()
    except ArticleError as error:
        return [Failure(origin=origin, reason=str(error))]
    except Exception as error:
        log.debug("reading %s failed", origin, exc_info=True)
        return [Failure(origin=origin, reason=unreadable(error))]


def read_article(path: Path) -> Article:
    """The (first) article of one file, for commands that work on a single article; ArticleError
    with the reason when there is none, whatever the reader met."""
    (item,) = or_failure(str(path), lambda: [first_article(path)])
    if isinstance(item, Failure):
        raise ArticleError(item.reason)
    return item


def first_article(path: Path) -> Article:
    items = read_file(path)
    for item in items:
        if isinstance(item, Entry):
            return entry_article(item)
        if isinstance(item, Article):
            return item
    reasons = [item.reason for item in items if isinstance(item, Failure)]
    raise ArticleError(reasons[0] if reasons else "no article found")


def resolve_entries(
    items: list[Item], fetch_articles: bool, options: FetchOptions
) -> list[Article | Failure]:
    """Feed entries into articles: their own text, or with ``fetch_articles`` their linked page
    (the entry's text stands in, with a warning, when the page cannot be had)."""
    links = [i.link for i in items if isinstance(i, Entry) and i.link] if fetch_articles else []
    links = list(dict.fromkeys(links))
    pages = dict(zip(links, fetch_all(links, options, found_in_feeds=True), strict=True))
    out: list[Article | Failure] = []
    for item in items:
        if not isinstance(item, Entry):
            out.append(item)
            continue
        page = pages.get(item.link) if item.link else None
        if isinstance(page, Fetched):
            fetched = or_failure(page.url, partial(read_fetched, page))
            if fetched and isinstance(fetched[0], Article):
                out.append(with_entry(fetched[0], item))
                continue
            first = fetched[0] if fetched else None
            reason = first.reason if isinstance(first, Failure) else "no article"
            page = ArticleError(reason)
        made = or_failure(item.origin, partial(entry_article, item))
        if isinstance(made, list):
            out += made
            continue
        article = made
        if page is not None:
            log.warning(
                "could not process %s: %s; using the feed's text",
                clean_line(item.link or ""),
                clean_line(str(page)),
            )
            note = f"linked page not used ({page}); the feed's text instead"
            article = replace(article, warnings=(*article.warnings, note))
        out.append(article)
    return out


def read_sources(
    sources: Sequence[str | Path],
    *,
    fetch_articles: bool = False,
    options: FetchOptions | None = None,
) -> Ingested:
    """Every article the sources hold, in source order, each once; and what could not be read."""
    options = options or FetchOptions()
    found = expand(sources)
    urls = list(dict.fromkeys(s for s in found if isinstance(s, str)))
    responses = dict(zip(urls, fetch_all(urls, options), strict=True))
    items: list[Item] = []
    for source in found:
        if isinstance(source, Path):
            items += or_failure(str(source), partial(read_file, source))
        elif isinstance(response := responses[source], ArticleError):
            items.append(Failure(origin=source, reason=str(response)))
        else:
            items += or_failure(source, partial(read_fetched, response))
    articles: list[Article] = []
    failures: list[Failure] = []
    for item in resolve_entries(items, fetch_articles, options):
        if isinstance(item, Failure):
            item = Failure(origin=clean_line(item.origin), reason=clean_line(item.reason))
            log.warning("could not process %s: %s", item.origin, item.reason)
            failures.append(item)
        else:
            articles.append(shown(item))
    return Ingested(tuple(dedupe(articles)), tuple(failures))


def shown(article: Article) -> Article:
    """The article with its origin and warnings fit for a terminal: they quote file names,
    URLs, JSON keys and servers' messages, which can carry escape sequences."""
    return replace(
        article,
        origin=clean_line(article.origin),
        warnings=tuple(clean_line(warning) for warning in article.warnings),
    )
