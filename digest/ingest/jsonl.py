"""JSON lines: one article per line, as scrapers and exports write them.

Fields: ``title``, ``text`` (paragraphs separated by newlines) or ``paragraphs`` (a list),
``source``, ``url``, ``published`` (YYYY-MM-DD, or an ISO date-time), ``category`` (the
outlet's section). A bad line is reported
with its line number and the others are read.
"""

from __future__ import annotations

import datetime as dt
import json

from digest.errors import ArticleError
from digest.ingest.article import build_article, unreadable
from digest.ingest.body import split_body
from digest.ingest.decode import Decoded
from digest.ingest.text import parse_date
from digest.news import Article, Failure
from digest.sanitise import clean

FIELDS = ("title", "text", "paragraphs", "source", "url", "published", "category")


def parse_jsonl(decoded: Decoded, origin: str) -> list[Article | Failure]:
    out: list[Article | Failure] = []
    # Lines end at \n only: U+2028, U+2029 and U+0085 may stand raw inside a JSON string.
    for number, line in enumerate(decoded.text.split("\n"), start=1):
        if not line.strip():
            continue
        where = f"{origin}:{number}"
        try:
            out.append(parse_record(line, where, decoded))
        except ArticleError as error:
            out.append(Failure(origin=where, reason=str(error)))
        except Exception as error:
            out.append(Failure(origin=where, reason=unreadable(error)))
    if not out:
        raise ArticleError("no article text found (the input is empty)")
    return out


def parse_record(line: str, origin: str, decoded: Decoded) -> Article:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        raise ArticleError(f"not JSON ({error.msg} at column {error.colno})") from None
    except RecursionError:
        raise ArticleError("nested too deeply to be an article; expected one JSON object") from None
    if not isinstance(record, dict):
        raise ArticleError("expected a JSON object with title, text, source, url, published")
    # A URL is not cleaned into another one: one holding such characters is left out later.
    record = {key: value if key == "url" else cleaned(value) for key, value in record.items()}
    for key in ("title", "text", "source", "url", "published", "category"):
        if record.get(key) is not None and not isinstance(record[key], str):
            raise ArticleError(f"{key!r} must be a string")
    paragraphs = record.get("paragraphs")
    if paragraphs is not None:
        if not isinstance(paragraphs, list) or not all(isinstance(p, str) for p in paragraphs):
            raise ArticleError("'paragraphs' must be a list of strings")
        lines = paragraphs
    elif record.get("text"):
        lines = record["text"].splitlines()
    else:
        raise ArticleError("no 'text' or 'paragraphs' field")
    title = record.get("title") or None
    parts = split_body(lines, title)
    unknown = sorted(set(record) - set(FIELDS))
    return build_article(
        origin=origin,
        paragraphs=parts.paragraphs,
        title=title,
        source=record.get("source") or parts.source,
        source_from="'source' field" if record.get("source") else "source line",
        url=record.get("url") or None,
        published=parse_published(record.get("published")),
        related=parts.related,
        warnings=(
            *decoded.warnings,
            *([f"ignored fields: {', '.join(unknown)}"] if unknown else []),
        ),
        encoding=decoded.encoding,
        section_labels=(record.get("category"),),
    )


def cleaned(value: object) -> object:
    """A field without what JSON's escapes can smuggle in and no reader should get: a lone
    surrogate (``"\\ud800"``, which no UTF-8 can hold), a NUL, a noncharacter."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, list):
        return [clean(item) if isinstance(item, str) else item for item in value]
    return value


def parse_published(value: str | None) -> dt.date | None:
    """A timestamp's calendar day, as the producer wrote it."""
    return parse_date(value[:10], "'published'") if value else None
