"""Which outlet published an article, and how we know.

A reader weighs a report by who made it, so the outlet shown must be one the article or its page
actually names. In order of trust: what the input states (front matter, page metadata, a feed's
channel, an ``المصدر:`` line); then the dateline or attribution Arabic agencies write into the text
(«واشنطن/ الأناضول», «(رويترز)», «- أ ف ب», «التي حصلت عليها الأناضول»); then the host of the
article's URL. Otherwise the outlet is unknown and said to be: a file name is never an outlet.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from digest.arabic import normalise
from digest.news import UNKNOWN_OUTLET as UNKNOWN

# Where an input states its outlet itself, as opposed to where digest found a name for it.
STATED = frozenset({"front matter", "source line", "page metadata", "feed", "'source' field"})


@dataclass(frozen=True)
class Known:
    """A major Arabic-language outlet or agency: its English name, the names Arabic text gives
    it, and its web hosts. ``in_text`` is False for outlets whose name is also an ordinary
    phrase («الشرق الأوسط» is the Middle East, «العربية» the Arabic language): those are only
    recognised by metadata or host."""

    name: str
    arabic: tuple[str, ...]
    hosts: tuple[str, ...] = ()
    in_text: bool = True


KNOWN = (
    Known("Anadolu Agency", ("الأناضول", "وكالة الأناضول"), ("aa.com.tr",)),
    Known("Reuters", ("رويترز", "وكالة رويترز", "Reuters"), ("reuters.com",)),
    Known(
        "AFP",
        ("أ ف ب", "أ.ف.ب", "فرانس برس", "وكالة فرانس برس", "وكالة الصحافة الفرنسية", "AFP"),
        ("afp.com",),
    ),
    Known("AP", ("أسوشيتد برس", "أسوشييتد برس", "وكالة أسوشيتد برس", "أ ب"), ("apnews.com",)),
    Known("dpa", ("د ب أ",), ("dpa.com",)),
    Known("Xinhua", ("شينخوا", "وكالة أنباء الصين الجديدة (شينخوا)"), ("xinhuanet.com",)),
    Known("TASS", ("تاس", "وكالة تاس"), ("tass.com", "tass.ru")),
    Known("RIA Novosti", ("ريا نوفوستي", "نوفوستي"), ("ria.ru",)),
    Known("SANA", ("سانا", "الوكالة العربية السورية للأنباء"), ("sana.sy",)),
    Known("Saudi Press Agency", ("واس", "وكالة الأنباء السعودية"), ("spa.gov.sa",)),
    Known("WAM", ("وام", "وكالة أنباء الإمارات"), ("wam.ae",)),
    Known("QNA", ("قنا", "وكالة الأنباء القطرية"), ("qna.org.qa",)),
    Known("KUNA", ("كونا", "وكالة الأنباء الكويتية"), ("kuna.net.kw",)),
    Known("MENA", ("أ ش أ", "وكالة أنباء الشرق الأوسط"), ("mena.org.eg",)),
    Known("Petra", ("بترا", "وكالة الأنباء الأردنية"), ("petra.gov.jo",)),
    Known("NNA Lebanon", ("الوكالة الوطنية للإعلام",), ("nna-leb.gov.lb",)),
    Known("WAFA", ("وفا", "وكالة الأنباء والمعلومات الفلسطينية"), ("wafa.ps",)),
    Known("Bahrain News Agency", ("وكالة أنباء البحرين",), ("bna.bh",)),
    Known("Oman News Agency", ("العمانية", "وكالة الأنباء العمانية"), ("omannews.gov.om",)),
    Known("Iraqi News Agency", ("واع", "وكالة الأنباء العراقية"), ("ina.iq",)),
    Known("SUNA", ("سونا", "وكالة السودان للأنباء"), ("suna-sd.net",)),
    Known("APS", ("واج", "وكالة الأنباء الجزائرية"), ("aps.dz",)),
    Known("MAP", ("لاماب", "و م ع", "وكالة المغرب العربي للأنباء"), ("mapnews.ma",)),
    Known("TAP", ("وات", "وكالة تونس أفريقيا للأنباء"), ("tap.info.tn",)),
    Known("IRNA", ("إرنا", "وكالة الجمهورية الإسلامية للأنباء"), ("irna.ir",)),
    Known("Al Jazeera", ("الجزيرة نت", "الجزيرة"), ("aljazeera.net",), in_text=False),
    Known("Al Arabiya", ("العربية نت", "العربية"), ("alarabiya.net",), in_text=False),
    Known("Sky News Arabia", ("سكاي نيوز عربية",), ("skynewsarabia.com",)),
    Known("BBC Arabic", ("بي بي سي عربي",), ("bbc.com/arabic",)),
    Known(
        "CNN Arabic", ("سي إن إن بالعربية", "سي إن إن", "CNN"), ("arabic.cnn.com", "cnnarabic.com")
    ),
    Known("RT Arabic", ("روسيا اليوم", "آر تي"), ("arabic.rt.com",)),
    Known("France 24", ("فرانس 24",), ("france24.com",)),
    Known("Asharq Al-Awsat", ("الشرق الأوسط",), ("aawsat.com",), in_text=False),
    Known("Al-Ahram", ("الأهرام",), ("ahram.org.eg",), in_text=False),
    Known("Youm7", ("اليوم السابع",), ("youm7.com",), in_text=False),
    Known("Al-Masry Al-Youm", ("المصري اليوم",), ("almasryalyoum.com",), in_text=False),
    Known("Annahar", ("النهار",), ("annahar.com",), in_text=False),
    Known("Al-Quds Al-Arabi", ("القدس العربي",), ("alquds.co.uk",), in_text=False),
    Known("The New Arab", ("العربي الجديد",), ("alaraby.co.uk",), in_text=False),
    Known("LBCI", ("إل بي سي آي",), ("lbcgroup.tv",), in_text=False),
    Known("Assabah", ("الصباح",), ("assabah.com.tn",), in_text=False),
)


@dataclass(frozen=True)
class Outlet:
    """An outlet's name as shown to readers, and where it was found (for `digest inspect`)."""

    name: str
    found_in: str

    @property
    def known(self) -> bool:
        return self.name != UNKNOWN


def outlet_form(text: str) -> str:
    """Normalised, with a tatweel standing alone (a dash in «بيروت ـ أ ف ب», which
    normalisation would remove) as a dash and full stops as spaces («أ.ف.ب»)."""
    text = re.sub(r"(?<!\S)\u0640+(?!\S)", "-", text)
    return " ".join(normalise(text).replace(".", " ").split())


BY_ARABIC = {outlet_form(a): k for k in KNOWN for a in k.arabic}
NAMES = "|".join(
    re.escape(a) for a in sorted((a for a, k in BY_ARABIC.items() if k.in_text), key=len)[::-1]
)
# «واشنطن/ الأناضول», «القدس - (رويترز)», «بيروت ـ أ ف ب»: up to four words of place (and date),
# a slash or dash, the agency; or the agency in brackets anywhere in the opening words.
DATELINE = re.compile(
    rf"^\W*(?:[^\W\d][\w]*\s*){{1,4}}(?:\d[\w\s]*)?[/\-–—]\s*\(?\s*(?P<name>{NAMES})(?!\w)"
)
BRACKETED = re.compile(rf"\(\s*(?P<name>{NAMES})\s*\)")
TRAILING = re.compile(rf"[\-–—]\s*(?P<name>{NAMES})\s*$")
# An outlet speaking of itself: «حصلت عليها الأناضول», «لمراسل الأناضول».
SELF_REFERENCE = re.compile(
    rf"(?:حصلت عليها|حصلت عليه|اطلعت عليها|اطلعت عليه|لمراسل|مراسل|مراسله)\s+(?P<name>{NAMES})(?!\w)"
)
OPENING_WORDS = 12


def from_text(paragraphs: Sequence[str]) -> Outlet | None:
    """The agency a dateline or attribution in the text names, English name."""
    if not paragraphs:
        return None
    opening = outlet_form(" ".join(paragraphs[0].split()[:OPENING_WORDS]))
    for pattern in (DATELINE, BRACKETED):
        if match := pattern.search(opening):
            return Outlet(BY_ARABIC[match.group("name")].name, "dateline")
    for paragraph in paragraphs:
        text = outlet_form(paragraph)
        if match := TRAILING.search(text) or SELF_REFERENCE.search(text):
            return Outlet(BY_ARABIC[match.group("name")].name, "attribution in the text")
    return None


def from_url(url: str | None) -> Outlet | None:
    """A known outlet by its host, else the host itself (without www.)."""
    if not url:
        return None
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    if not host:
        return None
    where = host + parts.path
    for known in KNOWN:
        for name in known.hosts:
            if host == name or host.endswith("." + name) or where.startswith(name + "/"):
                return Outlet(known.name, "URL host")
    return Outlet(host, "URL host")


def stated(name: str) -> str:
    """A stated Arabic name of a major outlet in English («الأناضول» -> Anadolu Agency); any
    other stated name as written."""
    known = BY_ARABIC.get(outlet_form(name))
    return known.name if known else name


def identify(
    stated_name: str | None, found_in: str, paragraphs: Sequence[str], url: str | None
) -> Outlet:
    """The outlet, from the first of: the stated name, the text, the URL; else unknown."""
    if stated_name and stated_name.strip():
        return Outlet(stated(stated_name.strip()), found_in)
    return from_text(paragraphs) or from_url(url) or Outlet(UNKNOWN, "nowhere")
