"""RSS 2.0 and Atom feeds with feedparser: one article per entry.

An entry carries a title, a link, a date and a summary or the full text as HTML. Without
``--fetch-articles`` the entry's own text is the article; with it, the linked page is fetched and
extracted, and the entry fills in what the page does not say.
"""

from __future__ import annotations

import re
import sys
import time
from dataclasses import dataclass, replace

import lxml.html

from digest.errors import ArticleError
from digest.ingest.article import NO_DATE, NO_OUTLET, build_article
from digest.ingest.body import split_body
from digest.ingest.decode import Decoded
from digest.ingest.html import parse_date_value
from digest.news import Article
from digest.sanitise import clean
from digest.stories import sections
from digest.stories.outlets import STATED
from digest.stories.outlets import stated as stated_name

XML_DECLARATION = re.compile(r"\A\s*<\?xml[^>]*\?>")
CHARACTER_REFERENCE = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));?")
BLOCKS = frozenset(
    "address article aside blockquote br dd div dl dt figcaption figure footer h1 h2 h3 h4 h5 h6 "
    "header hr li main nav ol p pre section table td th tr ul".split()
)


@dataclass(frozen=True)
class Entry:
    """One feed entry before it becomes an article, so its link can be fetched first."""

    origin: str
    link: str | None
    title: str | None
    source: str | None
    published_text: str | None
    lines: tuple[str, ...]
    decoded: Decoded
    categories: tuple[str, ...] = ()


def markup_lines(fragment: str) -> list[str]:
    """Text of an HTML fragment, one line per block element, scripts and styles left out."""
    if "<" not in fragment:
        return fragment.splitlines()
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (ValueError, lxml.etree.ParserError):
        return fragment.splitlines()
    for element in root.xpath("//script|//style"):
        element.drop_tree()
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag in BLOCKS:
            element.text = "\n" + (element.text or "")
            element.tail = "\n" + (element.tail or "")
    return [" ".join(line.split()) for line in root.text_content().split("\n")]


def parse_feed(decoded: Decoded, origin: str) -> list[Entry]:
    """The entries of a feed, in feed order. The text is already decoded, so the declaration's
    encoding is dropped: feedparser would otherwise decode the UTF-8 it is handed a second time."""
    import feedparser

    text = CHARACTER_REFERENCE.sub(safe_reference, XML_DECLARATION.sub("", decoded.text, count=1))
    parsed = feedparser.parse(text.encode("utf-8"))
    if not parsed.get("version") and not parsed.get("entries"):
        raise ArticleError("not an RSS or Atom feed")
    if not parsed.entries:
        raise ArticleError("the feed has no entries")
    channel = parsed.feed.get("title") or None
    entries = []
    for number, entry in enumerate(parsed.entries, start=1):
        bodies = [c.get("value", "") for c in entry.get("content", [])]
        bodies.append(entry.get("summary", ""))
        body = max(bodies, key=len)
        source = entry.get("source", {}).get("title") or channel
        entries.append(
            Entry(
                origin=f"{origin}#{number}",
                link=entry.get("link") or None,
                title=entry.get("title") or None,
                source=source,
                published_text=published_text(entry),
                lines=tuple(markup_lines(body)),
                decoded=decoded,
                categories=tuple(
                    str(tag.get("term") or tag.get("label") or "") for tag in entry.get("tags", [])
                ),
            )
        )
    return entries


def safe_reference(match: re.Match[str]) -> str:
    """A character reference kept only when it names a character a reader may see: feedparser's
    lenient parser, which reads feeds that are not well-formed XML, fails on ``&#xD800;``, and
    a reference is how a feed smuggles a control or a bidi override past the decoder."""
    hexadecimal, decimal = match.groups()
    point = int(hexadecimal, 16) if hexadecimal else int(decimal)
    return match.group() if point <= sys.maxunicode and clean(chr(point)) else ""


def published_text(entry) -> str | None:
    for key in ("published", "updated", "created"):
        if entry.get(key):
            return entry[key]
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    return time.strftime("%Y-%m-%d", parsed) if parsed else None


def entry_article(entry: Entry) -> Article:
    """The entry's own text as the article. The date is the one the feed wrote, not converted
    to UTC (feedparser's parsed dates are, which moves late-evening news to the day before)."""
    parts = split_body(entry.lines, entry.title)
    return build_article(
        origin=entry.origin,
        paragraphs=parts.paragraphs,
        title=entry.title,
        source=entry.source or parts.source,
        source_from="feed" if entry.source else "source line",
        url=entry.link,
        published=parse_date_value(entry.published_text) if entry.published_text else None,
        related=parts.related,
        warnings=entry.decoded.warnings,
        encoding=entry.decoded.encoding,
        section_labels=entry.categories,
    )


def with_entry(page: Article, entry: Entry) -> Article:
    """A fetched page's article, with the entry's title, outlet and date where it had none.
    The feed's name for the outlet beats one only guessed from the page's text or host."""
    published = page.published
    if published is None and entry.published_text:
        published = parse_date_value(entry.published_text)
    stated = page.source_from in STATED
    return replace(
        page,
        origin=entry.origin,
        title=page.title or entry.title,
        source=page.source if stated or not entry.source else stated_name(entry.source),
        source_from=page.source_from if stated or not entry.source else "feed",
        published=published,
        section=sections.detect(entry.categories, None) or page.section,
        warnings=tuple(
            w
            for w in page.warnings
            if (w != NO_DATE or published is None) and (w != NO_OUTLET or not entry.source)
        ),
    )
