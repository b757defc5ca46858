"""A headline without the label its outlet puts before it for its own pages.

Outlets open some titles with a label that is no part of the news. A media tag: «شاهد..»
("watch"), «بالفيديو..», «إنفوغرافيك..» (123 of the 4,674 ANT titles of March 2018): the
digest shows no video, so "Watch.. protests in Ahvaz" promises the reader what the issue does not
have. A news agency's desk: «عام / …» ("general"), «اقتصادي / …» ("economy"): 199 of the 2,808
SaudiNewsNet titles, all the Saudi Press Agency's. The desk is the article's section, not its
headline. A place or a speaker before the colon («سوريا: …», «ترامب: …») is news and stays.
"""

from __future__ import annotations

import re

from digest.stories import sections

# Patterns: «إنفوغرافيك», «انفوجرافيك», «إنفوغراف» are one tag as outlets spell it.
MEDIA = (
    "شاهد",
    "فيديو",
    "بالفيديو",
    "بالصور",
    "صور",
    "قصة مصورة",
    "[إا]نفو[غج]راف(?:يك)?",
    "فيديوغراف(?:يك)?",
)
MEDIA_LABEL = re.compile(rf"^\s*(?:{'|'.join(MEDIA)})\s*(?:\.{{2,}}|…|:|\|)\s*")
# Desks that name no section: "general", "report", "society".
GENERAL_DESKS = frozenset({"عام", "تقرير", "اجتماعي"})
DESK_LABEL = re.compile(r"^\s*([^\W\d_]+(?: [^\W\d_]+)?)\s+/\s+")


def without_label(title: str) -> tuple[str, str | None]:
    """The title without a leading media tag or desk, and the desk when there was one (a
    section label for the article). A title that is nothing but a label stays as it is."""
    media = MEDIA_LABEL.match(title)
    if media and title[media.end() :].strip():
        return title[media.end() :], None
    desk = DESK_LABEL.match(title)
    if desk and title[desk.end() :].strip():
        name = desk.group(1)
        if name in GENERAL_DESKS or sections.from_label(name):
            return title[desk.end() :], name
    return title, None
