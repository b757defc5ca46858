"""Sentences that lean on another: back-references and questions.

Arabic news chains its sentences: «جاء ذلك في تصريحات لترامب» ("this came in remarks by
Trump"), «وأضاف» ("he added"), «من جهته» ("for his part") only make sense after the sentence
before them. Shown alone as a bullet, such a sentence points at something the reader never sees,
so the summariser takes one only together with what it refers to. An interviewer's question is
not news either while the answers are there to choose.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from digest.arabic import CLOSERS, normalise

# Openers that refer back, written as news agencies write them; matched on the normalised form,
# so hamza and diacritic spellings all count.
OPENERS = (
    "جاء ذلك",
    "وجاء ذلك",
    "يأتي ذلك",
    "ويأتي ذلك",
    "وأضاف",
    "وأضافت",
    "أضاف",
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
    "وكما",
    "وفي السياق",
    "وفي هذا السياق",
    "في السياق",
    "في هذا السياق",
    "وفي المقابل",
    "في المقابل",
    "من جهته",
    "من جهتها",
    "من جهتهم",
    "ومن جهته",
    "ومن جهتها",
    "من جانبه",
    "من جانبها",
    "من جانبهم",
    "ومن جانبه",
    "ومن جانبها",
    "بدوره",
    "بدورها",
    "وبدوره",
    "وبدورها",
    "وبحسب المصدر",
    "وبحسب المصادر",
    "وذلك",
    "وهو ما",
    "الأمر الذي",
)
BACK_REFERENCE = re.compile(
    r"^[\W\d_]*(" + "|".join(re.escape(normalise(o)) for o in OPENERS) + r")(?!\w)"
)
QUESTION_MARKS = "؟?"


def refers_back(text: str) -> bool:
    """Whether a sentence opens with a back-reference and so needs the sentence before it."""
    return bool(BACK_REFERENCE.match(normalise(text)))


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
