import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.arabic import (
    DIACRITICS,
    INVISIBLE,
    is_boilerplate,
    normalise,
    segment,
    split_sentences,
    terms,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("   ", []),
        ("جملة واحدة بلا نقطة", ["جملة واحدة بلا نقطة"]),
        ("الأولى. الثانية! الثالثة؟ الرابعة?", ["الأولى.", "الثانية!", "الثالثة؟", "الرابعة?"]),
        ("ارتفع المؤشر 3.5 بالمئة. ثم هبط.", ["ارتفع المؤشر 3.5 بالمئة.", "ثم هبط."]),
        ("بلغت النسبة ١٢٫٥ في المئة. وانتهى.", ["بلغت النسبة ١٢٫٥ في المئة.", "وانتهى."]),
        ("بلغت ١٢.٥ نقطة. وانتهى.", ["بلغت ١٢.٥ نقطة.", "وانتهى."]),
        (
            "قال الوزير، في مؤتمر صحفي، إن الوضع مستقر",
            ["قال الوزير، في مؤتمر صحفي، إن الوضع مستقر"],
        ),
        (
            'وقال: "أحرزنا تقدما كبيرا. اتفقنا على الكثير". ثم غادر.',
            ['وقال: "أحرزنا تقدما كبيرا. اتفقنا على الكثير".', "ثم غادر."],
        ),
        (
            "وكتب: “انتهت المحادثات. شكرا”. وأضاف آخر.",
            ["وكتب: “انتهت المحادثات. شكرا”.", "وأضاف آخر."],
        ),
        ("وقال: «هل في موسكو؟ ربما». ثم ضحك.", ["وقال: «هل في موسكو؟ ربما».", "ثم ضحك."]),
        ('قال: "انتهى." ثم غادر.', ['قال: "انتهى."', "ثم غادر."]),
        (
            'ورد على سؤال "هل في موسكو؟" بالقول: "من الممكن".',
            ['ورد على سؤال "هل في موسكو؟" بالقول: "من الممكن".'],
        ),
        ('فتح قوسا "لم يغلق. وجملة أخرى.', ['فتح قوسا "لم يغلق.', "وجملة أخرى."]),
        ("حقا؟! نعم...  بالتأكيد.", ["حقا؟!", "نعم...", "بالتأكيد."]),
        ("زار الموقع www.example.com أمس. وعاد.", ["زار الموقع www.example.com أمس.", "وعاد."]),
        ("التقى د. محمد بالوزير. ثم عاد.", ["التقى د. محمد بالوزير.", "ثم عاد."]),
        ("انتهى الاجتماع.وبدأ المؤتمر.", ["انتهى الاجتماع.", "وبدأ المؤتمر."]),
    ],
)
def test_split_sentences(text, expected):
    assert split_sentences(text) == expected


def test_segment_splits_on_line_breaks_and_numbers_sentences_in_order():
    sentences = segment(["الأولى. الثانية\nالثالثة", "الرابعة"])
    assert [(s.text, s.position, s.paragraph) for s in sentences] == [
        ("الأولى.", 0, 0),
        ("الثانية", 1, 0),
        ("الثالثة", 2, 0),
        ("الرابعة", 3, 1),
    ]


def test_segment_keeps_every_character_but_whitespace():
    paragraph = 'قال: "نعم. لا". ثم، وبعد 3.5 ساعة؟ انتهى! حقا'
    joined = " ".join(s.text for s in segment([paragraph]))
    assert joined == " ".join(paragraph.split())


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("أحمد", "احمد"),
        ("إسلام", "اسلام"),
        ("مستشفى", "مستشفي"),
        ("مدرسة", "مدرسه"),
        ("مُحَمَّد", "محمد"),
        ("العـــربية", "العربيه"),
        ("ترا\u200fمب", "ترامب"),
    ],
)
def test_normalise_folds_spelling_variants(a, b):
    assert normalise(a) == normalise(b)
    assert normalise(normalise(a)) == normalise(a)


def test_terms_drop_stopwords_and_prefixes():
    assert terms("وقال الرئيس في المؤتمر") == ["رئيس", "مؤتمر"]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("سجّل إعجابك بصفحتنا على فيسبوك لتحصل على المزيد", True),
        ("تابعونا على تلغرام", True),
        ("اشترك في قناتنا على يوتيوب", True),
        ("قال الرئيس إن الاجتماع كان مثمرا", False),
        ("نشرت الشركة بيانا على فيسبوك حول الحادث", False),
    ],
)
def test_boilerplate(line, expected):
    assert is_boilerplate(line) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("كان الرجل المتيقّظ. ثم نام.", ["كان الرجل المتيقّظ.", "ثم نام."]),
        ("وصلوا مبكرًا. ثم غادروا.", ["وصلوا مبكرًا.", "ثم غادروا."]),
        ("ولد عام 1770 م. ودرس في بون.", ["ولد عام 1770 م.", "ودرس في بون."]),
        ("توفي عام 1827م. وحزن عليه الجميع.", ["توفي عام 1827م.", "وحزن عليه الجميع."]),
        ("التقى م. أحمد بالوزير. ثم عاد.", ["التقى م. أحمد بالوزير.", "ثم عاد."]),
    ],
)
def test_diacritics_and_the_era_mark_do_not_hide_a_sentence_end(text, expected):
    assert split_sentences(text) == expected


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ﻻ", "لا"),  # presentation-form ligature
        ("ﺑﻴﺮوت", "بيروت"),  # presentation forms
        ("ترا\u061cمب", "ترامب"),  # Arabic letter mark
        ("ترا\u00adمب", "ترامب"),  # soft hyphen
        ("ترا\u2060مب", "ترامب"),  # word joiner
        ("\u202bترامب\u202c", "ترامب"),  # bidi embedding
        ("فارسی", "فارسي"),  # Farsi yeh
        ("ٱلله", "الله"),
    ],
)
def test_normalise_folds_forms_and_invisible_characters(a, b):
    assert normalise(a) == normalise(b)


def test_readers_keep_the_original_spelling():
    from digest.ingest.text import parse_text

    line = "قالَ الرئيسُ إنَّ الاجتمـــاع كان «مثمرًا» جدًّا، وأضاف أن المحادثات ستستمر."
    assert parse_text(line, origin="a.txt").paragraphs == (line,)


ARABIC_TEXT = st.text(
    alphabet=st.sampled_from(
        list("ابتثجحخدذرزسشصضطظعغفقكلمنهويءآأإؤئىة")
        + list("\u064b\u064e\u064f\u0650\u0651\u0652\u0640\u0670\u200c\u200d\u200f\u061c\ufeff")
        + list("ﻻﺑﻴ ٠١٢٣.,،؛؟!?…:\"'“”«»()[]\n\t 0123456789abcXYZ")
    )
)


@given(st.one_of(st.text(), ARABIC_TEXT))
@settings(max_examples=300, deadline=None)
def test_normalise_never_raises_and_is_idempotent(text):
    once = normalise(text)
    assert normalise(once) == once
    assert not DIACRITICS.search(once) and "\u0640" not in once and not INVISIBLE.search(once)


def visible(text: str) -> str:
    return "".join(ch for ch in text if not ch.isspace())


@given(st.lists(st.one_of(st.text(), ARABIC_TEXT), max_size=4))
@settings(max_examples=300, deadline=None)
def test_segment_never_loses_or_reorders_text(paragraphs):
    sentences = segment(paragraphs)
    assert visible("".join(s.text for s in sentences)) == visible("".join(paragraphs))
    assert [s.position for s in sentences] == list(range(len(sentences)))
    assert [s.paragraph for s in sentences] == sorted(s.paragraph for s in sentences)
    assert all(s.text and s.text == s.text.strip() for s in sentences)


@pytest.mark.parametrize(
    ("opening", "shown"),
    [
        ("دبي، الإمارات العربية المتحدة (CNN)-- قال الرئيس إن المحادثات انتهت.", "قال الرئيس إن المحادثات انتهت."),
        ("أتلانتا، الولايات المتحدة الأمريكية (CNN)-- لقي عشرات الأشخاص مصرعهم.", "لقي عشرات الأشخاص مصرعهم."),
        ("(CNN) -- أعلنت الشرطة توقيف رجل.", "أعلنت الشرطة توقيف رجل."),
        ("قال الرئيس (في بيان) إن المحادثات انتهت.", "قال الرئيس (في بيان) إن المحادثات انتهت."),
        ("ارتفع المؤشر (2.5%) -- وهو الأعلى.", "ارتفع المؤشر (2.5%) -- وهو الأعلى."),
        ("(CNN)--", "(CNN)--"),
    ],
)  # fmt: skip
def test_the_first_sentence_is_shown_without_the_outlets_dateline(opening, shown):
    first, second = segment([opening, "دبي (CNN)-- جملة ثانية في فقرة أخرى."])
    assert first.text == shown
    assert second.text == "دبي (CNN)-- جملة ثانية في فقرة أخرى.", "only the opening is a dateline"
