"""Which lines of an article are its body: one rule set for every reader, so a "read more" list,
a source line, a social prompt or a comments section is left out the same way whether the lines
came from a text file, a web page or a feed entry."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from digest.arabic import comparable, is_boilerplate, opens_comments

READ_MORE = re.compile(r"(اقرا المزيد|اقرا ايضا|اقرا كذلك)\s*[:.]?")
# "Read also: <headline>" and its kin: CNN Arabic's «قد يهمك أيضا:», «قد يهمك..» and «قد يهمك/»,
# France 24 Arabic's «للمزيد:», each a link to another of the outlet's articles set in the text.
READ_ALSO_ITEM = re.compile(
    r"(اقرا ايضا|اقرا كذلك|اقرا المزيد|قد يهمك(?: ايضا)?|للمزيد)\s*(?:[:：/]|\.\.+|…)\s*\S.*"
)
READ_ALSO_MARK = re.compile(r"[:：/]|\.\.+|…")
SOURCE_LINE = re.compile(r"^\s*المصدر\s*[:：]\s*(?P<name>.+?)\s*$")
# An article's body is read up to this many characters (about 15,000 words, longer than any
# news story): a page that swallowed an archive is an input to bound, not a story to read in
# full. Reading stops just past it, so build_article sees that there was more and says so.
MAX_BODY_CHARS = 100_000


@dataclass(frozen=True)
class Body:
    paragraphs: tuple[str, ...]
    related: tuple[str, ...]
    source: str | None


def split_body(lines: Iterable[str], title: str | None = None) -> Body:
    """Body paragraphs in order, the outlet's related headlines, and a ``المصدر:`` source.

    A line that is only "read more" starts the related list, which runs to the end; "read also:
    <headline>" inside the text is one related item. A comments notice ends the body. Lines that
    repeat the title (pages often print the headline again above the text) are not body.
    """
    title_form = comparable(title) if title else None
    paragraphs: list[str] = []
    related: list[str] = []
    source = None
    in_related = False
    length = 0
    for raw in lines:
        if length > MAX_BODY_CHARS:
            break
        line = raw.strip()[: MAX_BODY_CHARS + 1]
        if not line:
            continue
        form = comparable(line)
        if in_related:
            related.append(line)
        elif READ_MORE.fullmatch(form):
            in_related = True
        elif READ_ALSO_ITEM.fullmatch(form):
            related.append(READ_ALSO_MARK.split(line, maxsplit=1)[1].strip())
        elif match := SOURCE_LINE.match(line):
            source = source or match.group("name")
        elif opens_comments(line):
            break
        elif form != title_form and not is_boilerplate(line):
            paragraphs.append(line)
            length += len(line)
    return Body(tuple(paragraphs), tuple(related), source)
