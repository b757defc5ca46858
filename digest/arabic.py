"""Arabic text handling: normalisation for matching, sentence segmentation, boilerplate.

Readers always see the original spelling; the normalised form is only for comparing and scoring
text, where spelling variants of one word must count as the same word.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from digest.news import Sentence

DIACRITICS = re.compile("[\u064b-\u065f\u0670\u06d6-\u06ed]")
TATWEEL = "\u0640"
# Zero-width characters, bidi controls (including the Arabic letter mark) and soft hyphens:
# invisible to a reader, but they split one word into several different strings.
INVISIBLE = re.compile(
    "[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
# Replaced one by one: str.translate looks every character of an Arabic string up in a dict,
# ten str.replace scans cost a tenth of that.
LETTER_VARIANTS = (
    ("أ", "ا"),
    ("إ", "ا"),
    ("آ", "ا"),
    ("ٱ", "ا"),
    ("ٲ", "ا"),
    ("ٳ", "ا"),
    ("ى", "ي"),
    ("ی", "ي"),
    ("ة", "ه"),
    ("ۃ", "ه"),
)

TERMINATORS = ".!?؟…"
CLOSERS = "\"'”»’)]"
QUOTE_PAIRS = {"“": "”", "«": "»", '"': '"', "”": "”"}
# Where split_sentences and quote_spans need to look: only these characters can end a sentence
# or open or close a quotation, so the scan jumps from one to the next.
TERMINATOR = re.compile(f"[{re.escape(TERMINATORS)}]")
SENTENCE_TAIL = re.compile(f"[{re.escape(TERMINATORS + CLOSERS)}]*")
QUOTE_MARK = re.compile(f"[{re.escape(''.join(set(QUOTE_PAIRS) | set(QUOTE_PAIRS.values())))}]")

WORD = re.compile(r"\w+")
PREFIXES = ("وال", "بال", "فال", "كال", "لل", "ال", "و")


# Lines up to this long are remembered once folded (reading a line asks for its folded form
# several times in a row: body, boilerplate, comments, identity); a longer one is folded anew,
# so the cache stays within a few megabytes whatever the input.
REMEMBERED_CHARS = 2_000


def normalise(text: str) -> str:
    """Fold the spellings of one word into one form, for matching only.

    NFKC turns presentation forms and ligatures into plain letters; it runs again at the end
    because removing an invisible character can bring a letter and its combining mark together,
    and without that second pass normalising twice would not give the same string.
    """
    return remembered(text) if len(text) <= REMEMBERED_CHARS else normalise_uncached(text)


def normalise_uncached(text: str) -> str:
    text = unicodedata.normalize("NFKC", strip_invisible(text))
    text = DIACRITICS.sub("", strip_invisible(text))
    for variant, letter in LETTER_VARIANTS:
        text = text.replace(variant, letter)
    return unicodedata.normalize("NFKC", text)


remembered = lru_cache(maxsize=1 << 12)(normalise_uncached)


def comparable(text: str) -> str:
    """Normalised and with its spaces collapsed: the form in which two lines of text (a title and
    a paragraph, two reports' sentences) are asked whether they say the same."""
    return " ".join(normalise(text).split())


def as_written(text: str) -> str:
    """``text`` as written, less what a reader cannot see (invisible marks, compatibility
    forms, runs of spaces): diacritics and letter forms stay, so a correction keyed by it
    applies only where the Arabic says the same thing."""
    return " ".join(unicodedata.normalize("NFKC", strip_invisible(text)).split())


def strip_invisible(text: str) -> str:
    return INVISIBLE.sub("", text).replace(TATWEEL, "")


STOPWORDS = frozenset(
    normalise(word)
    for word in (
        "في من على الى إلى عن مع أن إن ان ما لا لم لن قد كان كانت يكون التي الذي الذين هذا هذه "
        "ذلك تلك هناك هنا كل بعد قبل بين حتى أو او ثم كما وقد وكان وفي ومن وعلى عند إذا اذا "
        "لكن ولكن فيه فيها منه منها به بها له لها هو هي هم نحو خلال أيضا ايضا غير حيث إلا الا "
        "وهو وهي قال وقال أنه انه أنها انها إنه التى الى"
    ).split()
)


def terms(text: str) -> list[str]:
    """Content words of a sentence, normalised and lightly stripped of prefixes."""
    out = []
    for word in WORD.findall(normalise(text).lower()):
        if word in STOPWORDS or len(word) < 2:
            continue
        for prefix in PREFIXES:
            if word.startswith(prefix) and len(word) - len(prefix) >= 3:
                word = word[len(prefix) :]
                break
        out.append(word)
    return out


@lru_cache(maxsize=1 << 16)
def sentence_terms(text: str) -> tuple[str, ...]:
    """terms(), once per sentence: clustering, ranking and the support of other outlets all
    need them, and a build meets each sentence in all three."""
    return tuple(terms(text))


def quote_spans(text: str) -> list[tuple[int, int]]:
    """Matched quotation spans; an unclosed quote protects nothing."""
    spans = []
    stack: list[tuple[str, int]] = []
    for mark in QUOTE_MARK.finditer(text):
        i, ch = mark.start(), mark.group()
        if stack and ch == QUOTE_PAIRS[stack[-1][0]]:
            _, start = stack.pop()
            spans.append((start, i))
        elif ch in QUOTE_PAIRS:
            stack.append((ch, i))
    return spans


def quoted(spans: list[tuple[int, int]], text: str, i: int) -> bool:
    """Inside a quotation, unless a full stop closes the quotation: `قال: "انتهى." ثم` ends there."""
    for start, end in spans:
        if start < i < end:
            return not (text[i] == "." and all(ch in TERMINATORS for ch in text[i + 1 : end]))
    return False


def is_mark(ch: str) -> bool:
    """A diacritic: part of the word it sits on, so "المتيقّظ." is not a one-letter abbreviation."""
    return unicodedata.category(ch) == "Mn"


def after_number(text: str, i: int) -> bool:
    """Whether the letter at i follows a number, as the era mark م (AD) does after a year; the
    mark ق.م. (BC) counts too."""
    before = text[:i].rstrip(" ")
    if before.endswith("ق."):
        before = before[:-2].rstrip(" ")
    return before[-1:].isdigit()


# How Arabic writes the names of Latin letters, for initials: «جون إف. كينيدي», «دي. سي.»,
# «روي في. واد». Matched in normalised form; a real two-letter word that can end a sentence
# («تل.», a hill) is not among them.
LETTER_NAMES = frozenset(
    normalise(name)
    for name in (
        "إيه أيه بي سي دي إي إف اف جي إتش اتش آي جاي جيه كي كيه إم ام إن أو كيو آر ار إس اس "
        "تي يو في فى دبليو إكس اكس واي زد"
    ).split()
)


def word_before(text: str, i: int) -> tuple[str, str]:
    """The word that ends just before i (letters and their marks) and the character before it."""
    start = i - 1
    while start >= 0 and (text[start].isalpha() or is_mark(text[start])):
        start -= 1
    return text[start + 1 : i], text[start] if start >= 0 else ""


def next_visible(text: str, i: int) -> str:
    rest = text[i:].lstrip()
    return rest[:1]


def is_initial(text: str, i: int) -> bool:
    """Whether the full stop at i closes an initial or a one-letter abbreviation.

    Arabic one-letter abbreviations («د.» doctor, «أ.» professor, «ص.ب.», «ق.م.») and the
    Arabic names of Latin letters standing as a word of their own are initials, except the era
    mark م after a year, which often ends a sentence. A Latin capital is an initial only before
    more Latin text («J. K. Rowling»); before Arabic it ends a sentence («سباق Super-G. أنهى»).
    """
    word, before = word_before(text, i)
    letters = sum(ch.isalpha() for ch in word)
    if letters == 1:
        if word.isascii():
            following = next_visible(text, i + 1)
            return before != "-" and following.isascii() and following.isalpha()
        return not (word == "م" and after_number(text, i - 1))
    return (
        letters == 2
        and before in ("", " ", "(", "«", '"', "“")
        and normalise(word) in LETTER_NAMES
        and bool(next_visible(text, i + 1))
    )


def breaks_here(text: str, i: int) -> bool:
    ch = text[i]
    before = text[i - 1] if i > 0 else ""
    after = text[i + 1] if i + 1 < len(text) else ""
    if ch == ".":
        if before.isdigit() and after.isdigit():
            return False
        if after and after.isascii() and after.isalnum():
            return False
        if is_initial(text, i):
            return False
    return True


def split_sentences(text: str) -> list[str]:
    """Split one paragraph into sentences.

    Splits after . ! ? ؟ … (and any closing quotes that follow), never inside a number (3.5,
    1,000), after an initial or one-letter abbreviation (see is_initial), before a Latin letter
    or digit (URLs, e-mail addresses, "U.S."), or inside a quotation that closes in the same
    paragraph: a quoted statement, ellipses and all, stays with the sentence reporting it.
    """
    spans = quote_spans(text)
    pieces = []
    start = 0
    found = TERMINATOR.search(text)
    while found:
        i = found.start()
        if not quoted(spans, text, i) and breaks_here(text, i):
            tail = SENTENCE_TAIL.match(text, i + 1)
            end = tail.end() if tail else i + 1
            pieces.append(text[start:end])
            start = end
            found = TERMINATOR.search(text, end)
        else:
            found = TERMINATOR.search(text, i + 1)
    pieces.append(text[start:])
    return [p.strip() for p in pieces if p.strip()]


# The dateline some outlets open every report with, «دبي، الإمارات العربية المتحدة (CNN)-- قال…»:
# a few words of place, the outlet in brackets, dashes. It is the outlet's house style, not the
# news, and a bullet names its outlet anyway, so the first sentence is shown without it.
# Each word needs its separator, so the match is linear in the sentence's opening.
OPENING_DATELINE = re.compile(r"(?:[^\s()]+[\s،,]+){0,6}\([^()\d]{2,24}\)\s*(?:--|[–—])\s*")


def without_dateline(text: str) -> str:
    """``text`` less an opening dateline, unless nothing would be left."""
    found = OPENING_DATELINE.match(text)
    if found is None or not text[found.end() :].strip():
        return text
    return text[found.end() :]


def segment(paragraphs: Iterable[str]) -> tuple[Sentence, ...]:
    """Sentences of an article's body, numbered in document order. Line breaks always split."""
    return segmented(tuple(paragraphs))


@lru_cache(maxsize=1 << 14)
def segmented(paragraphs: tuple[str, ...]) -> tuple[Sentence, ...]:
    """segment(), once per article: clustering, the completeness check and summarising all read
    an article's sentences, so a build of n articles splits n bodies, not 3n."""
    out: list[Sentence] = []
    for p_index, paragraph in enumerate(paragraphs):
        for line in paragraph.splitlines():
            for text in split_sentences(line):
                shown = text if out else without_dateline(text)
                out.append(Sentence(text=shown, position=len(out), paragraph=p_index))
    return tuple(out)


SOCIAL_NETWORKS = (
    r"(فيسبوك|فيس بوك|تويتر|تلغرام|تيليغرام|تليغرام|انستغرام|انستجرام|يوتيوب|واتساب|اكس)"
)
BOILERPLATE = tuple(
    re.compile(pattern)
    for pattern in (
        r"سجل اعجابك بصفحتنا.*",
        rf"(تابعونا|تابعنا|تابعوا|انضموا|انضم|اشترك|اشتركوا)\b.*\b{SOCIAL_NETWORKS}.*",
        r"(اشترك|اشتركوا) في (قناتنا|نشرتنا|النشره).*",
    )
)
MAX_BOILERPLATE_WORDS = 20
# The notices that open a page's comments section ("the views below do not reflect ours", "we
# welcome discussion", "add a comment"): everything from there on is readers', not the outlet's.
COMMENTS_NOTICE = tuple(
    re.compile(pattern)
    for pattern in (
        r"(ال)?اراء الوارده.{0,40}لا تعبر عن.*",
        r"ترحب .{0,40}بالنقاش.*",
        r"(اضف|اضافه|اكتب|اترك) (تعليق|تعليقا|تعليقك)( جديد)?",
        r"(ال)?تعليقات",
    )
)
MAX_NOTICE_WORDS = 60


def is_boilerplate(line: str) -> bool:
    """Social prompts and subscription calls: short lines that are not news."""
    folded = normalise(line).strip(" .!:-–—")
    if not folded or len(folded.split()) > MAX_BOILERPLATE_WORDS:
        return False
    return any(pattern.fullmatch(folded) for pattern in BOILERPLATE)


def opens_comments(line: str) -> bool:
    """A comments-policy notice or heading: the article ended before it."""
    folded = normalise(line).strip(" .!:-–—()")
    if not folded or len(folded.split()) > MAX_NOTICE_WORDS:
        return False
    return any(pattern.fullmatch(folded) for pattern in COMMENTS_NOTICE)


def arabic_share(text: str) -> float:
    """Share of letters that are Arabic: how ingestion tells an Arabic article from another."""
    letters = sum(map(str.isalpha, text))
    if not letters:
        return 0.0
    return len(ARABIC_LETTER.findall(text)) / letters


# The letters of the Arabic blocks, as a character class: counted by the regex engine rather
# than one Python comparison per character of the article.
ARABIC_LETTER = re.compile(
    "[{}]".format(
        "".join(
            re.escape(ch)
            for block in ((0x0600, 0x06FF), (0x0750, 0x077F))
            for ch in map(chr, range(block[0], block[1] + 1))
            if ch.isalpha()
        )
    )
)
