"""Sentences that lean on another: back-references and questions.

Arabic news chains its sentences: «جاء ذلك في تصريحات لترامب» ("this came in remarks by
Trump"), «وأضاف» ("he added"), «من جهته» ("for his part"), «على صعيد متصل» ("in a related
development") only make sense after the sentence before them, and neither does one that opens
on a thing pointed at, «وتشكل هذه الاتفاقية» ("this agreement is"), «ووصفت طهران هؤلاء
الأشخاص» ("Tehran called these people"): which agreement, which people? Shown alone as a
bullet, such a sentence points at something the reader never sees, so the summariser takes
one only together with what it refers to. An interviewer's question is not news either while
the answers are there to choose.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from digest.arabic import CLOSERS, normalise

# Openers that refer back, written as news agencies write them; matched on the normalised form,
# so hamza and diacritic spellings all count, and with or without «و» ("and") before them
# («جاء ذلك», «وجاء ذلك»). A verb listed with «و» only is news without it: «أكد الوزير» opens a
# report, «وأكد الوزير» continues one.
OPENERS = (
    "جاء ذلك",
    "يأتي ذلك",
    "أضاف",
    "وأضافت",
    "وتابع",
    "وتابعت",
    "وأشار",
    "وأشارت",
    "وأكد",
    "وأكدت",
    "وأوضح",
    "وأوضحت",
    "ولفت",
    "ولفتت",
    "واستطرد",
    "واستطردت",
    "وشدد",
    "وشددت",
    "واعتبر",
    "واعتبرت",
    "وختم",
    "وختمت",
    "كما",
    "في السياق",
    "في هذا السياق",
    "في المقابل",
    "من جهته",
    "من جهتها",
    "من جهتهم",
    "من جانبه",
    "من جانبها",
    "من جانبهم",
    "بدوره",
    "بدورها",
    "وبحسب المصدر",
    "وبحسب المصادر",
    "وذلك",
    "وهو ما",
    "الأمر الذي",
    "على صعيد متصل",
    "على صعيد ذي صلة",
    "على صعيد آخر",
    "في سياق متصل",
    "في سياق ذي صلة",
    "في سياق آخر",
)
# A demonstrative among a sentence's first words points at what came before: with a noun
# («هذه الاتفاقية», "this agreement") or alone («جاء هذا خلال», "this came during"; «وهذه هي
# الزيارة الأولى», "this is the first visit"; «ومع ذلك», "even so"). Except "this" of a time
# («هذا العام», "this year"), which the reader knows; "that day" they do not.
NEAR = ("هذا", "هذه", "هذان", "هاتان", "هذين", "هاتين", "هؤلاء")
FAR = ("ذلك", "تلك", "أولئك")
NOW = (
    "العام",
    "الأسبوع",
    "الشهر",
    "اليوم",
    "الصباح",
    "المساء",
    "الموسم",
    "السنة",
    "الأيام",
    "الأسابيع",
    "الأشهر",
    "الشهور",
    "الأعوام",
    "السنوات",
    "العقد",
    "القرن",
)
# A verb of saying with no one saying it: «وقال: "..."», «وقالت إن ...» ("and she said that"),
# whose speaker is named only in the sentence before. Followed by its speaker («وقال الوزير إن»,
# «وقالت "أوبر" إن») the sentence stands; with «و» or without, for a report never opens on
# "said that".
SAYING = ("قال", "قالت", "ذكر", "ذكرت", "صرح", "صرحت", "أعلن", "أعلنت", "أكد", "أكدت")
UNNAMED_SPEAKER = re.compile(
    r"^[\W\d_]*و?(?:" + "|".join(normalise(v) for v in SAYING) + r")\s*(?::|ان(?:ه|ها|هم)?(?!\w))"
)
WORDS_BEFORE = 2
BACK_REFERENCE = re.compile(
    r"^[\W\d_]*و?(" + "|".join(re.escape(normalise(o)) for o in OPENERS) + r")(?!\w)"
)
NEAR_WORDS, FAR_WORDS, NOW_WORDS = (
    "|".join(normalise(w) for w in words) for words in (NEAR, FAR, NOW)
)
POINTED = re.compile(
    rf"^[\W\d_]*(?:\w+\s+){{0,{WORDS_BEFORE}}}[وف]?"
    rf"(?:(?:{NEAR_WORDS})(?!\w)(?!\s+(?:{NOW_WORDS})(?!\w))|(?:{FAR_WORDS})(?!\w))"
)
QUESTION_MARKS = "؟?"


def refers_back(text: str) -> bool:
    """Whether a sentence opens with a back-reference and so needs the sentence before it."""
    folded = normalise(text)
    return bool(
        BACK_REFERENCE.match(folded) or POINTED.match(folded) or UNNAMED_SPEAKER.match(folded)
    )


def is_question(text: str) -> bool:
    return text.rstrip().rstrip(CLOSERS + " ")[-1:] in QUESTION_MARKS


NEEDS_UNSEEN = -1


def antecedents(texts: Sequence[str], title_shown: bool = False) -> list[int | None]:
    """For each sentence of one article, the index of the sentence it refers back to.

    None: it stands alone. A back-reference in the first sentence refers to the article's
    title: it stands alone when that title is the headline, else it needs what the reader
    cannot be shown (NEEDS_UNSEEN).
    """
    out: list[int | None] = []
    for i, text in enumerate(texts):
        if not refers_back(text):
            out.append(None)
        elif i > 0:
            out.append(i - 1)
        else:
            out.append(None if title_shown else NEEDS_UNSEEN)
    return out
