"""One rule for every character a reader, a mail program or a terminal is shown.

Text arrives from pages, feeds and editors that digest does not control. Some characters in it
are never meant to be seen and do harm when passed on: C0 and C1 controls (a terminal obeys
ESC, BEL and OSC sequences; XML 1.0 refuses most of them, so one breaks the Atom feed for every
subscriber), Unicode noncharacters (U+FFFE, U+FFFF: also refused by XML), lone surrogates
(unencodable as UTF-8) and bidi overrides and isolates, which reorder what follows them so a
line reads differently from what it says. They are removed, not escaped: none of them carries
meaning a reader would miss. The Arabic letter mark and the zero-width joiners stay (Arabic
shaping uses them), as do newline and tab where the caller allows them.
"""

from __future__ import annotations

import re

# C0 controls but tab and newline, DEL and C1 controls; bidi embeddings, overrides and isolates;
# lone surrogates; noncharacters (U+FDD0..U+FDEF and the last two code points of every plane).
_NONCHARACTERS = "".join(f"\\U{p << 16 | 0xFFFE:08x}\\U{p << 16 | 0xFFFF:08x}" for p in range(17))
_UNSAFE = (
    "\x00-\x08\x0b-\x1f\x7f-\x9f"
    "\u202a-\u202e\u2066-\u2069"
    "\ud800-\udfff"
    "\ufdd0-\ufdef" + _NONCHARACTERS
)
UNSAFE = re.compile(f"[{_UNSAFE}]")
UNSAFE_IN_LINE = re.compile(f"[{_UNSAFE}\t\n]")
LINE_BREAKS = str.maketrans(dict.fromkeys("\t\n\r\u2028\u2029", " "))
# What makes an edit look empty: spaces, format characters (zero-width, bidi marks) and
# everything UNSAFE.
_BLANK = re.compile(rf"[\s\u00ad\u061c\u180e\u200b-\u200f\u2060-\u2064\ufeff{_UNSAFE}]+")


def clean(text: str) -> str:
    """``text`` with every unsafe character removed; newlines and tabs kept."""
    return UNSAFE.sub("", text)


def clean_line(text: str) -> str:
    """``text`` for one line (a Subject, a search record's title, a terminal field): unsafe
    characters removed, tabs and line breaks (the line and paragraph separators U+2028 and
    U+2029 too, which mail clients and editors break lines at) turned into spaces."""
    return UNSAFE.sub("", text.translate(LINE_BREAKS))


def is_blank(text: str) -> bool:
    """True when nothing a reader could see is left once spaces, format and unsafe characters
    are taken out (an edit of zero-width spaces is empty, not a line)."""
    return not _BLANK.sub("", text)
