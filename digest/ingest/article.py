"""Turning what a reader found into an Article: the checks every article passes and its id.

The id must be the same every time the same article is read, because the state store records
which article ids already went into an issue. A canonical URL names an article best (the same
page saved, fetched or listed in a feed); without one, the normalised text does.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from urllib.parse import urldefrag, urlsplit

from digest.arabic import arabic_share, normalise
from digest.dates import latest_today
from digest.errors import ArticleError
from digest.ingest.body import MAX_BODY_CHARS
from digest.ingest.decode import MIN_MOJIBAKE, mojibake
from digest.ingest.titles import without_label
from digest.news import Article
from digest.sanitise import UNSAFE, clean_line
from digest.stories import sections
from digest.stories.outlets import identify

PERCENT_ESCAPE = re.compile(r"%[0-9a-fA-F]{2}")
# A social-media hashtag written into the body («قوات #الجيش_اليمني خاضت»: 664 of Al Arabiya's
# 1,500 reports of March 2018 carry them): the words without the mark and the underscores, as a
# reader says them and as a model can translate them.
HASHTAG = re.compile(r"(?<![\w&])#([^\W\d_]\w*)")


def untagged(text: str) -> str:
    return HASHTAG.sub(lambda found: found.group(1).replace("_", " "), text)


MIN_ARABIC_SHARE = 0.5
ID_LENGTH = 16
NO_DATE = "no publication date found"
NO_OUTLET = (
    "outlet unknown: no metadata, source line, dateline or URL names it; "
    "add a line `المصدر: NAME` or a `source:` field"
)
EARLIEST = dt.date(1990, 1, 1)


def plausible(date: dt.date) -> bool:
    """A publication date a news article can have: none before the web's news sites, none
    after today anywhere on Earth. 9999-12-31 would head the site's index for ever."""
    return EARLIEST <= date <= latest_today()


def canonical_url(url: str) -> str | None:
    """One spelling per page: no fragment or tracking parameters, lower-case host, path
    percent-encoded the same way whether it was written in Arabic or escaped. None when the text
    is not a URL at all (``http://[evil/x``, a port that is no number, a control or bidi
    character, which no URL holds unescaped): nothing can link to it, and every later use of it
    would fail or mislead."""
    # Imported here: courlan takes a twentieth of a second to load, and a build from files
    # has no URL to clean.
    from courlan import normalize_url

    if UNSAFE.search(url):
        return None
    try:
        url = urldefrag(url.strip())[0]
        _ = urlsplit(url).port
    except ValueError:
        return None
    try:
        url = normalize_url(url)
    except ValueError:
        return url
    url = PERCENT_ESCAPE.sub(lambda m: m.group().upper(), url)
    try:
        return url if urlsplit(url).path else f"{url}/"
    except ValueError:
        return None


def unreadable(error: Exception) -> str:
    """The one line an exception no reader anticipated becomes: a library's bug or an input no
    one thought of must cost its own source, never the build (`--debug` logs the traceback)."""
    detail = clean_line(str(error)).strip()[:200]
    return f"could not be read ({type(error).__name__}{': ' + detail if detail else ''})"


def article_id(url: str | None, paragraphs: tuple[str, ...]) -> str:
    if url:
        key = "url " + url.split("://", 1)[-1]
    else:
        key = "text " + "\n".join(" ".join(normalise(p).split()) for p in paragraphs)
    return hashlib.sha256(key.encode()).hexdigest()[:ID_LENGTH]


def bounded(paragraphs: tuple[str, ...]) -> tuple[tuple[str, ...], bool]:
    """The paragraphs within MAX_BODY_CHARS, the last one cut there; and whether any was cut."""
    kept: list[str] = []
    room = MAX_BODY_CHARS
    for paragraph in paragraphs:
        if len(paragraph) > room:
            if room:
                kept.append(paragraph[:room])
            return tuple(kept), True
        kept.append(paragraph)
        room -= len(paragraph)
    return tuple(kept), False


def build_article(
    *,
    origin: str,
    paragraphs: tuple[str, ...] | list[str],
    title: str | None = None,
    source: str | None = None,
    url: str | None = None,
    published: dt.date | None = None,
    related: tuple[str, ...] | list[str] = (),
    warnings: tuple[str, ...] | list[str] = (),
    encoding: str | None = None,
    source_from: str,
    section_labels: tuple[str | None, ...] = (),
) -> Article:
    """An Article, or ArticleError when there is no Arabic body to summarise.

    ``source`` is the outlet the input states and ``source_from`` where it said so; without one,
    the outlet is looked for in the text and the URL (digest/stories/outlets.py).
    ``section_labels`` are the outlet's own names for the article's section, best first; an
    agency's desk before the title is one more (digest/ingest/titles.py). Every
    text leaves here without the characters no reader should be shown (digest/sanitise.py),
    whichever reader it came through."""
    lines = (untagged(clean_line(p)).strip() for p in paragraphs)
    paragraphs, cut = bounded(tuple(p for p in lines if p))
    if not paragraphs:
        raise ArticleError("no article text found")
    title, desk = without_label(untagged(clean_line(title))) if title else (None, None)
    text = "\n".join((title or "", *paragraphs))
    if mojibake(text) >= MIN_MOJIBAKE:
        raise ArticleError(
            "the text is garbled (UTF-8 that was once read as another encoding); "
            "fetch or save the original again"
        )
    if arabic_share(" ".join(paragraphs)) < MIN_ARABIC_SHARE:
        raise ArticleError("the text is not Arabic; digest summarises Arabic articles")
    notes = list(warnings)
    canonical = canonical_url(url) if url else None
    if url and canonical is None:
        notes.append(f"the URL {clean_line(url)[:200]!r} cannot be parsed; left out")
    url = canonical
    if cut:
        notes.append(f"the body is over {MAX_BODY_CHARS:,} characters; only that much was read")
    if published is None:
        notes.append(NO_DATE)
    outlet = identify(clean_line(source) if source else None, source_from, paragraphs, url)
    if not outlet.known:
        notes.append(NO_OUTLET)
    return Article(
        id=article_id(url, paragraphs),
        origin=origin,
        paragraphs=paragraphs,
        title=" ".join(title.split()) if title and title.strip() else None,
        source=outlet.name if outlet.known else None,
        url=url,
        published=published,
        related=tuple(r for r in (clean_line(r).strip() for r in related) if r),
        warnings=tuple(notes),
        encoding=encoding,
        source_from=outlet.found_in,
        section=sections.detect((*section_labels, desk), url),
    )
