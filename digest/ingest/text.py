"""The plain-text article format of the sample input.

A file may open with a front-matter block (``---`` / ``key: value`` lines / ``---``) or with a
``date YYYY-MM-DD`` marker. A line ``المصدر: X`` names the outlet. ``إقرأ المزيد`` ("read more")
starts the outlet's list of other headlines, kept as related items, never as body; social prompts
are dropped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

from digest.arabic import arabic_share, is_boilerplate, normalise
from digest.errors import ArticleError
from digest.news import Article

DATE_MARKER = re.compile(r"\A\s*date\s+(\d{4}-\d{2}-\d{2})\b[ \t]*")
SOURCE_LINE = re.compile(r"^\s*المصدر\s*[:：]\s*(?P<name>.+?)\s*$")
READ_MORE = re.compile(r"^\s*(اقرا المزيد|اقرا ايضا|اقرا كذلك)\s*[:.]?\s*$")
FRONT_MATTER_KEYS = ("title", "source", "url", "date")
MIN_ARABIC_SHARE = 0.5
MAX_BYTES = 5_000_000


def read_text_file(path: Path) -> Article:
    data = path.read_bytes()
    if len(data) > MAX_BYTES:
        raise ArticleError(
            f"file is {len(data):,} bytes, over the {MAX_BYTES:,}-byte limit for one article"
        )
    if b"\x00" in data:
        raise ArticleError("binary file, not text; give digest UTF-8 text files")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ArticleError(f"not UTF-8 text (byte {error.start}); save the file as UTF-8") from None
    return parse_text(text, origin=str(path))


def parse_date(value: str, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ArticleError(f"{where}: {value.strip()!r} is not a date; write YYYY-MM-DD") from None


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


def parse_text(text: str, origin: str) -> Article:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    fields, body = split_front_matter(text)
    published = parse_date(fields["date"], "front matter date") if fields.get("date") else None
    marker = DATE_MARKER.match(body)
    if marker:
        published = published or parse_date(marker.group(1), "date marker")
        body = body[marker.end() :]

    source = fields.get("source") or None
    paragraphs: list[str] = []
    related: list[str] = []
    in_related = False
    for line in body.split("\n"):
        line = line.strip()
        if not line:
            continue
        if in_related:
            related.append(line)
        elif READ_MORE.match(normalise(line)):
            in_related = True
        elif match := SOURCE_LINE.match(line):
            source = source or match.group("name")
        elif not is_boilerplate(line):
            paragraphs.append(line)

    if not paragraphs:
        raise ArticleError("no article text found")
    if arabic_share(" ".join(paragraphs)) < MIN_ARABIC_SHARE:
        raise ArticleError("the text is not Arabic; digest summarises Arabic articles")
    return Article(
        id=hashlib.sha256("\n".join(paragraphs).encode()).hexdigest()[:12],
        origin=origin,
        paragraphs=tuple(paragraphs),
        title=fields.get("title") or None,
        source=source,
        url=fields.get("url") or None,
        published=published,
        related=tuple(related),
    )
