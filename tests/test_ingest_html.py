"""HTML pages: the three real pages in ../shared/data/html measured against their references,
and the metadata rules on pages this project writes."""

import datetime as dt
import difflib
import json
from pathlib import Path

import pytest

from digest.ingest import read_sources
from digest.ingest.decode import decode
from digest.ingest.html import parse_date_value, parse_html, url_date
from tests.conftest import SHARED_DATA

HTML = SHARED_DATA / "html"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "ingest"


def read_page(name: str):
    (article,) = read_sources([HTML / name / "article.html"]).articles
    return article


def matched(reference: str, text: str) -> float:
    """Share of ``reference`` characters found, in order, in ``text``."""
    blocks = difflib.SequenceMatcher(None, reference, text, autojunk=False).get_matching_blocks()
    return sum(b.size for b in blocks) / len(reference)


@pytest.mark.real_data("html")
def test_lbc_paragraphs_cover_the_reference_and_nothing_else():
    expected = json.loads((HTML / "lbc" / "expected.json").read_text(encoding="utf-8"))["V1"]
    reference = [p for section in expected["body"]["sections"] for p in section["paragraphs"]]
    article = read_page("lbc")
    body = "\n".join(article.paragraphs)
    assert matched("\n".join(reference), body) >= 0.9
    # No navigation or footer: every extracted paragraph is (nearly all) reference text.
    for paragraph in article.paragraphs:
        assert matched(paragraph, "\n".join(reference)) >= 0.95, paragraph
    assert article.title == expected["title"]
    assert article.published == dt.date(2026, 1, 8)
    assert article.source == "LBCI Lebanon"
    meta = json.loads((HTML / "lbc" / "meta.info").read_text(encoding="utf-8"))
    (page,) = meta.values()
    # The <link rel=canonical>, not the og:url that the site fills with a generic slug.
    assert article.url == page["url"]


@pytest.mark.real_data("html")
def test_assabah_keeps_the_interview_and_drops_sidebars_and_comments():
    (expected,) = json.loads((HTML / "assabah" / "expected.json").read_text("utf-8")).values()
    article = read_page("assabah")
    body = "\n".join(article.paragraphs)
    for snippet in expected["with"]:
        assert snippet in body
    for snippet in expected["without"]:
        assert snippet not in body
    assert " ".join(article.title.split()) == " ".join(expected["title"].split())
    assert expected["title"].split(":")[0] not in article.paragraphs[0]
    # The article's own dc:date, not a date in the list of other editions beside it.
    assert article.published == dt.date(2019, 2, 8)


@pytest.mark.real_data("html")
def test_cnn_arabic_text_title_and_date_agree_with_the_reference():
    reference = (HTML / "cnn-arabic" / "expected.txt").read_text(encoding="utf-8").strip()
    metadata = json.loads((HTML / "cnn-arabic" / "metadata.json").read_text(encoding="utf-8"))
    article = read_page("cnn-arabic")
    body = "\n\n".join(article.paragraphs)
    assert difflib.SequenceMatcher(None, reference, body, autojunk=False).ratio() >= 0.9
    assert "الآراء الواردة" not in body and "ترحب شبكة CNN" not in body
    assert article.title == metadata["title"]
    assert article.url == metadata["canonical_link"]
    assert article.source == metadata["meta_site_name"]
    # The page states no date (metadata.json has none); its URL does: /2013/middle_east/8/3/,
    # a Saturday, as the text's "Friday to Saturday night" says. htmldate's guess was 2013-01-01.
    assert metadata["publish_date"] is None
    assert article.published == dt.date(2013, 8, 3)
    assert "guessed" not in " ".join(article.warnings)


def test_a_page_with_navigation_footer_and_prompts(tmp_path):
    (article,) = read_sources([FIXTURES / "page.html"]).articles
    assert article.title == "البنك المركزي التونسي يبقي سعر الفائدة دون تغيير"
    assert article.source == "أخبار المغرب"
    assert article.url == "https://news.example.org/economy/2025/03/central-bank-rates"
    # The JSON-LD date as written (00:30 at +03:00), not shifted to the UTC day before.
    assert article.published == dt.date(2025, 3, 4)
    assert len(article.paragraphs) == 4
    body = "\n".join(article.paragraphs)
    for junk in ("الرئيسية", "جميع الحقوق", "تابعونا", "اقرأ أيضا", "صادرات زيت الزيتون"):
        assert junk not in body
    assert article.paragraphs[0].startswith("أعلن البنك المركزي")


def test_read_more_and_comments_inside_the_extracted_text_are_not_body():
    paragraphs = "".join(
        f"<p>{line}</p>"
        for line in (
            "قال وزير الخارجية إن المفاوضات مع الجانب الآخر ستستأنف الأسبوع المقبل في الدوحة.",
            "وأضاف أن الوفدين سيناقشان ملف تبادل الأسرى وإعادة فتح المعابر الحدودية المغلقة.",
            "اقرأ أيضا: الأمم المتحدة تدعو إلى هدنة إنسانية عاجلة",
            "وأكد الوزير أن بلاده ملتزمة بالحل السياسي وترفض أي تصعيد عسكري في المنطقة.",
            "الآراء الواردة في التعليقات لا تعبر عن رأي الموقع.",
            "تعليق قارئ: هذا كلام لا معنى له على الإطلاق ولن يتغير شيء.",
        )
    )
    page = f"<html><head><title>مفاوضات</title></head><body><article>{paragraphs}</article></body></html>"
    article = parse_html(decode(page.encode()), "page.html")
    assert article.related == ("الأمم المتحدة تدعو إلى هدنة إنسانية عاجلة",)
    assert len(article.paragraphs) == 3
    assert article.paragraphs[-1].startswith("وأكد الوزير")


@pytest.mark.parametrize(
    ("url", "date"),
    [
        (
            "http://arabic.cnn.com/2013/middle_east/8/3/syria.clashes/index.html",
            dt.date(2013, 8, 3),
        ),
        ("https://example.org/2025/08/16/summit/", dt.date(2025, 8, 16)),
        ("https://example.org/news/summit-2025-08-16.html", dt.date(2025, 8, 16)),
        ("https://example.org/archive/20250816/summit", dt.date(2025, 8, 16)),
        ("https://example.org/2025/13/40/x", None),
        ("https://example.org/news/898682/ar", None),
        (None, None),
    ],
)
def test_date_in_url(url, date):
    assert url_date(url) == date


@pytest.mark.parametrize(
    ("value", "date"),
    [
        ("2026-01-08T11:42:50+00:00", dt.date(2026, 1, 8)),
        ("2019-02-08T00:00:00+01:00", dt.date(2019, 2, 8)),
        ("Tue, 04 Mar 2025 00:30:00 +0300", dt.date(2025, 3, 4)),
        ("1850-01-01", None),
        ("yesterday", None),
        ("", None),
    ],
)
def test_stated_dates_keep_the_calendar_day_written(value, date):
    assert parse_date_value(value) == date


def test_a_page_without_article_text_is_reported(tmp_path):
    path = tmp_path / "empty.html"
    path.write_text("<html><head><title>x</title></head><body><nav>الرئيسية</nav></body></html>")
    (failure,) = read_sources([path]).failures
    assert "no article text" in failure.reason
