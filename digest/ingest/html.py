"""Web pages, saved or fetched: the article's text with trafilatura, and its metadata.

trafilatura finds the main text and leaves out menus, footers and teasers; the body rules every
reader shares (digest/ingest/body.py) then drop "read more" lists and comment notices it kept.
The publication date is taken from what the page states explicitly (JSON-LD, meta tags, dated
elements), then from a date in its URL, and only then from htmldate's guess, which is flagged:
on the real pages in the test data the guess was wrong twice (a copyright year read as 1 January,
a date from a list of other editions).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement

from digest.errors import ArticleError
from digest.ingest.article import build_article, plausible
from digest.ingest.body import split_body
from digest.ingest.decode import Decoded
from digest.news import Article

logging.getLogger("trafilatura").setLevel(logging.ERROR)
logging.getLogger("htmldate").setLevel(logging.ERROR)

ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
URL_DATES = (
    re.compile(r"/(\d{4})/(?:[a-z_-]+/)?(\d{1,2})/(\d{1,2})(?:/|$)"),
    re.compile(r"[/_-](\d{4})-(\d{2})-(\d{2})(?:[/_.-]|$)"),
    re.compile(r"/(\d{4})(\d{2})(\d{2})(?:/|$)"),
)
# Where pages state their publication date, most explicit first.
DATE_XPATHS = (
    '//meta[@property="article:published_time"]/@content',
    '//meta[@itemprop="datePublished"]/@content',
    '//meta[@name="pubdate" or @name="publishdate" or @name="publish-date"]/@content',
    '//meta[@name="dc.date.issued" or @name="DC.date.issued" or @name="dcterms.created"]/@content',
    '//*[@itemprop="datePublished"]/@content',
    '//*[@itemprop="datePublished"]/@datetime',
    '//*[@property="dc:date" or @property="dc:created"]/@content',
    "//time[@pubdate]/@datetime",
)
# Fewer words than this is a menu, a caption or an error page, not an article.
MIN_PAGE_WORDS = 20


def parse_date_value(value: str) -> dt.date | None:
    """The calendar date as the page wrote it (no conversion to UTC: "2019-02-08T00:00+01:00"
    is 8 February where it was published)."""
    value = value.strip()
    if match := ISO_DATE.match(value):
        found = make_date(*match.groups())
    else:
        try:
            found = parsedate_to_datetime(value).date()
        except (TypeError, ValueError, IndexError):
            return None
    return found if found and plausible(found) else None


def make_date(year: str, month: str, day: str) -> dt.date | None:
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        return None


def json_ld_values(tree: HtmlElement, name: str) -> list[str]:
    """Every string the page's JSON-LD gives for ``name`` (alone or in a list), in order. Walked
    with a stack, not by recursion: a page may nest as deep as the JSON parser allows, and one
    that nests deeper gives nothing."""
    found: list[str] = []
    for script in tree.xpath('//script[@type="application/ld+json"]/text()'):
        try:
            stack = [json.loads(script, strict=False)]
        except (ValueError, RecursionError):
            continue
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                value = node.get(name)
                found.extend(
                    v for v in (value if isinstance(value, list) else [value]) if isinstance(v, str)
                )
                stack += reversed(node.values())
            elif isinstance(node, list):
                stack += reversed(node)
    return found


def stated_sections(tree: HtmlElement) -> tuple[str, ...]:
    """The page's own section labels: its ``article:section`` meta tags, then JSON-LD's."""
    metas = tree.xpath('//meta[@property="article:section" or @name="article:section"]/@content')
    return (*(str(m) for m in metas), *json_ld_values(tree, "articleSection"))


def stated_date(tree: HtmlElement) -> dt.date | None:
    values = json_ld_values(tree, "datePublished")
    for xpath in DATE_XPATHS:
        values += tree.xpath(xpath)
    for value in values:
        if date := parse_date_value(str(value)):
            return date
    return None


def url_date(url: str | None) -> dt.date | None:
    """/2013/08/03/, /2013/middle_east/8/3/, -2013-08-03, /20130803/ in a URL's path."""
    if not url:
        return None
    try:
        path = urlsplit(url).path
    except ValueError:
        return None
    for pattern in URL_DATES:
        if match := pattern.search(path):
            date = make_date(*match.groups())
            if date and plausible(date):
                return date
    return None


def link_target(tree: HtmlElement, base: str | None) -> str | None:
    """The page's canonical URL (<link rel=canonical>, else og:url), made absolute. A canonical
    link to a site's home page, a common template mistake, names no article and is ignored."""
    for xpath in (
        '//link[contains(concat(" ", normalize-space(@rel), " "), " canonical ")]/@href',
        '//meta[@property="og:url"]/@content',
    ):
        for href in tree.xpath(xpath):
            try:
                url = urljoin(base or "", str(href).strip())
                parts = urlsplit(url)
            except ValueError:
                continue
            if parts.scheme in ("http", "https") and parts.path.strip("/"):
                return url
    return None


def parse_html(decoded: Decoded, origin: str, url: str | None = None) -> Article:
    """One article from a page; ``url`` is where it was fetched from, if it was."""
    import trafilatura
    from trafilatura.settings import Document, set_date_params

    tree = trafilatura.load_html(decoded.text)
    if tree is None:
        raise ArticleError("not an HTML page that can be parsed")
    canonical = link_target(tree, url) or url
    published = stated_date(tree) or url_date(canonical) or url_date(url)
    document = trafilatura.bare_extraction(
        tree,
        url=canonical,
        with_metadata=True,
        include_comments=False,
        date_extraction_params=set_date_params(False),
    )
    if not isinstance(document, Document) or not (document.text or "").strip():
        raise ArticleError("no article text found on the page")
    warnings = list(decoded.warnings)
    if published is None and document.date:
        published = parse_date_value(document.date)
        if published:
            warnings.append("publication date guessed from the page's text, not stated in it")
    title = document.title or None
    parts = split_body((document.text or "").split("\n"), title)
    words = sum(len(p.split()) for p in parts.paragraphs)
    if words < MIN_PAGE_WORDS:
        raise ArticleError(f"no article text found on the page (only {words} words of text)")
    return build_article(
        origin=origin,
        paragraphs=parts.paragraphs,
        title=title,
        source=document.sitename or parts.source,
        source_from="page metadata" if document.sitename else "source line",
        url=canonical,
        published=published,
        related=parts.related,
        warnings=warnings,
        encoding=decoded.encoding,
        section_labels=stated_sections(tree),
    )
