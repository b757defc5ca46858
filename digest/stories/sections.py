"""An article's section (world, Middle East, economy, sport …), from whatever its outlet says.

Outlets label their sections in their own words and languages ("internationalNews", "middleEast",
«رياضة», "business"), so every label is mapped to one canonical name by the one table below. The
label the feed or page gives (JSON lines' ``category``, RSS/Atom ``<category>``, a page's
``article:section`` or JSON-LD ``articleSection``) is taken first, the URL's path (`/sport/`,
`/economy/`, `/رياضة/`) next; an article neither places is of no known section (None), not
guessed from its words: a wrong "sport" would move a news story out of the issue.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from urllib.parse import unquote, urlsplit

from digest.arabic import normalise

SECTIONS = (
    "world",
    "middle-east",
    "politics",
    "economy",
    "technology",
    "science",
    "health",
    "environment",
    "culture",
    "opinion",
    "sport",
)
"""The canonical sections, in the order a tie between them is broken (news before features)."""

LABELS = {
    "world": (
        "world", "international", "internationalnews", "worldnews", "global", "news-world",
        "العالم", "عالم", "دولي", "دولية", "دوليات", "عالمي", "اخبار العالم", "العالمية",
    ),
    "middle-east": (
        "middleeast", "middle-east", "mideast", "arab", "arabworld", "arab-world", "arabic-news",
        "gulf", "الشرق الاوسط", "الشرق-الاوسط", "عربي", "عربية", "العالم العربي", "اخبار عربية",
        "الخليج", "خليجي", "عربي ودولي",
    ),
    "politics": ("politics", "political", "سياسة", "السياسة", "سياسي", "سياسية"),
    "economy": (
        "economy", "business", "economics", "finance", "markets", "money", "aswaq", "eco",
        "اقتصاد", "الاقتصاد", "اقتصادي", "اقتصادية", "مال واعمال", "المال والاعمال", "اسواق",
        "اعمال",
    ),
    "technology": (
        "technology", "tech", "sci-tech", "scitech", "science-technology", "digital",
        "تكنولوجيا", "التكنولوجيا", "تقنية", "التقنية", "علوم وتكنولوجيا", "تقنيات",
    ),
    "science": ("science", "sciences", "علوم", "العلوم", "علم"),
    "health": ("health", "medicine", "wellbeing", "صحة", "الصحة", "طب"),
    "environment": ("environment", "climate", "بيئة", "البيئة", "مناخ"),
    "culture": (
        "culture", "arts", "art", "entertainment", "lifestyle", "life", "style", "celebrity",
        "variety", "travel", "ثقافة", "الثقافة", "ثقافي", "فن", "فنون", "الفن", "منوعات",
        "ثقافة وفن", "ثقافة وفنون", "فن وثقافة", "سياحة", "لايف ستايل",
    ),
    "opinion": (
        "opinion", "opinions", "views", "columns", "editorial", "editorials", "comment",
        "رأي", "راي", "الرأي", "الراي", "مقالات", "آراء", "اراء", "كتاب",
    ),
    "sport": (
        "sport", "sports", "football", "soccer", "رياضة", "الرياضة", "رياضي", "رياضية", "كرة القدم",
    ),
}  # fmt: skip

LATIN_JOINERS = re.compile(r"[\s_]+")


def key(label: str) -> str:
    """One spelling of a label for the table: case, alef forms and diacritics folded, Latin
    words joined ("Middle East", "middle_east" and "Middle-East" alike; "internationalNews")."""
    folded = " ".join(normalise(label).lower().split())
    return LATIN_JOINERS.sub("-", folded) if folded.isascii() else folded


TABLE = {key(label): name for name, labels in LABELS.items() for label in labels}
TABLE.update({key(label).replace("-", ""): name for label, name in list(TABLE.items())})


def from_label(label: str | None) -> str | None:
    """The canonical section a label names, or None when the table does not know it."""
    if not label or not label.strip():
        return None
    return TABLE.get(key(label)) or TABLE.get(key(label).replace("-", ""))


def from_url(url: str | None) -> str | None:
    """The first folder of the URL's path that names a section: /ar/sport/…, /economy/123,
    /رياضة/…; the last part, the article's own slug, is passed over."""
    if not url:
        return None
    folders = unquote(urlsplit(url).path).split("/")[1:-1]
    return next((name for folder in folders if (name := from_label(folder))), None)


def detect(labels: Iterable[str | None], url: str | None) -> str | None:
    """The section of an article: the first label the table knows, else the URL's."""
    return next((name for label in labels if (name := from_label(label))), None) or from_url(url)


def most_common(sections: Sequence[str | None]) -> str | None:
    """A story's section: the one most of its articles carry (unknown ones not counted), a tie
    going to the section listed first in SECTIONS."""
    counts = Counter(s for s in sections if s)
    if not counts:
        return None
    return min(counts, key=lambda s: (-counts[s], SECTIONS.index(s)))


def label(section: str | None) -> str:
    """How a section is shown to readers; a story of no known section is simply news."""
    if section is None:
        return "News"
    return {"middle-east": "Middle East"}.get(section, section.capitalize())
