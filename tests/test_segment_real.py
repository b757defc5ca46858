"""Sentence segmentation on real text: lines of FLORES-200 and NTREX and the real pages in
../shared/data, read where they are (never copied). Each case names the line, how many sentences
it holds, and a stretch of it that must stay inside one sentence; the boundaries listed must
still split. These are the lines where abbreviations, initials, numbers and quotes meet a full
stop."""

import pytest

from digest.arabic import segment, split_sentences
from digest.ingest import read_article
from tests.conftest import SHARED_DATA

FLORES = SHARED_DATA / "flores200" / "arb_Arab.devtest"
NTREX = SHARED_DATA / "ntrex" / "newstest2019-ref.arb.txt"


def line(path, number: int) -> str:
    return path.read_text(encoding="utf-8-sig").split("\n")[number - 1]


@pytest.mark.real_data("flores200", "ntrex")
@pytest.mark.parametrize(
    ("path", "number", "count", "whole"),
    [
        # Initials in Arabic letters: D. K. Arya, Dr. PawPaw, Roe v. Wade.
        (FLORES, 279, 1, "دي. كي. أريا"),
        (NTREX, 62, 1, "ودي آر. بوبو"),
        (NTREX, 1491, 1, "روي في. واد"),
        # A one-letter abbreviation: د. (Dr.) Ford, at the start of a quotation.
        (NTREX, 1725, 1, '"د. فورد'),
        # Thousands and decimals.
        (FLORES, 119, 1, "1,000"),
        (NTREX, 1588, 1, "379,800"),
        # An ellipsis inside a quotation stays with the sentence that reports it.
        (FLORES, 46, 1, "جلسة الاستماع... كنت أستعد"),
        (FLORES, 322, 1, "مثلي... وربما أكثر مني... أحبها"),
        # A handle and a Latin name with a hyphen.
        (NTREX, 166, 1, "DM @MerPolCC"),
    ],
)
def test_real_lines_stay_whole(path, number, count, whole):
    sentences = split_sentences(line(path, number))
    assert len(sentences) == count
    assert any(whole in s for s in sentences)


@pytest.mark.real_data("flores200", "ntrex")
@pytest.mark.parametrize(
    ("path", "number", "first_ends"),
    [
        # «تل.» (a hill) is a two-letter word, not an initial.
        (FLORES, 649, "أعلى تل."),
        # A kilometre figure in brackets, then a new sentence.
        (FLORES, 629, "(3,980 ميلاً)."),
        # «Super-G.»: a Latin capital after a hyphen, before Arabic, ends the sentence; so does
        # the transliteration «سوبر-جي.».
        (FLORES, 204, "سباق Super-G."),
        (FLORES, 202, "بطولة سوبر-جي للرجال."),
        (FLORES, 769, "مدينة أبيا."),
        # A quotation closed by a full stop, then the next sentence.
        (FLORES, 404, '4 يوليو 1776".'),
    ],
)
def test_real_boundaries_still_split(path, number, first_ends):
    sentences = split_sentences(line(path, number))
    assert len(sentences) == 2
    assert sentences[0].endswith(first_ends)


@pytest.mark.real_data("html")
def test_the_lbc_page_keeps_john_f_kennedy_in_one_sentence():
    article = read_article(SHARED_DATA / "html" / "lbc" / "article.html")
    sentences = [s.text for s in segment(article.paragraphs)]
    assert any("مركز جون إف. كينيدي للفنون المسرحية" in s for s in sentences)
    assert not any(s.endswith("جون إف.") for s in sentences)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("التقى أ. د. محمد علي. ثم عاد.", ["التقى أ. د. محمد علي.", "ثم عاد."]),
        ("ص.ب. 1234 عمان. وانتهى.", ["ص.ب. 1234 عمان.", "وانتهى."]),
        ("بني عام 300 ق.م. وهدم لاحقا.", ["بني عام 300 ق.م.", "وهدم لاحقا."]),
        ("وصل إلى واشنطن دي. سي. أمس. وعاد.", ["وصل إلى واشنطن دي. سي. أمس.", "وعاد."]),
        ("كتبت J. K. Rowling الرواية. ثم نشرت.", ["كتبت J. K. Rowling الرواية.", "ثم نشرت."]),
        (
            "راسلونا على info@alanba.com.kw. وسنرد.",
            ["راسلونا على info@alanba.com.kw.", "وسنرد."],
        ),
        (
            "التفاصيل على https://www.aa.com.tr/ar/news/1.2. ثم انتهى.",
            ["التفاصيل على https://www.aa.com.tr/ar/news/1.2.", "ثم انتهى."],
        ),
        ("قال: «انتظروا… سنعود قريبا». وغادر.", ["قال: «انتظروا… سنعود قريبا».", "وغادر."]),
    ],
)
def test_abbreviations_urls_and_addresses(text, expected):
    assert split_sentences(text) == expected
