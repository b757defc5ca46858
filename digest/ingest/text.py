"""The plain-text article format of the sample input.

A file may open with a front-matter block (``---`` / ``key: value`` lines / ``---``) or with a
``date YYYY-MM-DD`` marker. A line ``المصدر: X`` names the outlet. ``إقرأ المزيد`` ("read more")
starts the outlet's list of other headlines, kept as related items, never as body; social prompts
are dropped.
"""

from __future__ import annotations

import datetime as dt
import re

from digest.errors import ArticleError
from digest.ingest.article import EARLIEST, build_article, plausible
from digest.ingest.body import split_body
from digest.ingest.decode import Decoded
from digest.news import Article

DATE_MARKER = re.compile(r"\A\s*date\s+(\d{4}-\d{2}-\d{2})\b[ \t]*")
FRONT_MATTER_KEYS = ("title", "source", "url", "date")


def parse_date(value: str, where: str) -> dt.date:
    try:
        date = dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ArticleError(f"{where}: {value.strip()!r} is not a date; write YYYY-MM-DD") from None
    if not plausible(date):
        raise ArticleError(
            f"{where}: {date} is not a plausible publication date (from {EARLIEST} to "
            "today in the time zone furthest ahead); correct it or leave it out"
        )
    return date


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return {}, text
    for end in range(1, len(lines)):
        if lines[end].strip() == "---":
            break
    else:
        raise ArticleError(
            "front matter opened with '---' is never closed; add a '---' line after it"
        )
    fields = {}
    for number, line in enumerate(lines[1:end], start=2):
        if not line.strip():
            continue
        key, sep, value = line.partition(":")
        key = key.strip().lower()
        if not sep or key not in FRONT_MATTER_KEYS:
            raise ArticleError(
                f"front matter line {number}: expected one of {', '.join(FRONT_MATTER_KEYS)} "
                f"as 'key: value', got {line.strip()!r}"
            )
        fields[key] = value.strip().strip("\"'")
    return fields, "\n".join(lines[end + 1 :])


def parse_text(
    text: str, origin: str, decoded: Decoded | None = None, url: str | None = None
) -> Article:
    """One article from the text format; ``url`` is where it was fetched from, if it was."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    fields, body = split_front_matter(text)
    published = parse_date(fields["date"], "front matter date") if fields.get("date") else None
    marker = DATE_MARKER.match(body)
    if marker:
        published = published or parse_date(marker.group(1), "date marker")
        body = body[marker.end() :]
    title = fields.get("title") or None
    parts = split_body(body.split("\n"), title)
    return build_article(
        origin=origin,
        paragraphs=parts.paragraphs,
        title=title,
        source=fields.get("source") or parts.source,
        source_from="front matter" if fields.get("source") else "source line",
        url=fields.get("url") or url,
        published=published,
        related=parts.related,
        warnings=decoded.warnings if decoded else (),
        encoding=decoded.encoding if decoded else None,
    )
