"""JSON lines: one article per line; a bad line is reported with its number."""

import datetime as dt
import json

import pytest

from digest.evaluate.stories import read_by_id
from digest.ingest import read_sources
from digest.ingest.article import NO_OUTLET
from tests.conftest import SHARED_DATA

BODY = (
    "قال الرئيس إن الاجتماع كان مثمرا جدا، وإن المحادثات ستستمر الأسبوع المقبل في العاصمة.",
    "وأضاف أن الجانبين اتفقا على تشكيل لجنة مشتركة لمتابعة الملفات العالقة بينهما.",
)


def write(tmp_path, *records):
    path = tmp_path / "articles.jsonl"
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return read_sources([path]), path


def test_fields_text_and_paragraphs(tmp_path):
    ingested, _ = write(
        tmp_path,
        {
            "title": "اجتماع مثمر",
            "text": "\n".join(BODY),
            "source": "الجزيرة",
            "url": "https://example.org/a?utm_medium=rss",
            "published": "2025-08-16T21:30:00+03:00",
        },
        {"paragraphs": [BODY[1]], "published": "2025-08-15", "lang": "ar"},
    )
    first, second = ingested.articles
    assert (first.title, first.source, first.url, first.published) == (
        "اجتماع مثمر",
        "Al Jazeera",
        "https://example.org/a",
        dt.date(2025, 8, 16),
    )
    assert first.paragraphs == BODY
    assert second.paragraphs == BODY[1:]
    assert second.warnings == ("ignored fields: lang", NO_OUTLET)


def test_bad_lines_are_reported_by_number_and_the_rest_read(tmp_path):
    good = {"text": BODY[0]}
    ingested, path = write(
        tmp_path,
        good,
        '{"text": "truncated',
        [1, 2],
        {"title": "no body"},
        {"text": BODY[1], "published": "16/08/2025"},
        {"text": "An English line that is not Arabic at all."},
        {"text": 5},
        {"paragraphs": "not a list"},
        {"text": BODY[1]},
    )
    assert [a.paragraphs for a in ingested.articles] == [(BODY[0],), (BODY[1],)]
    reasons = {f.origin.rsplit(":", 1)[1]: f.reason for f in ingested.failures}
    assert reasons == {
        "2": "not JSON (Unterminated string starting at at column 10)",
        "3": "expected a JSON object with title, text, source, url, published",
        "4": "no 'text' or 'paragraphs' field",
        "5": "'published': '16/08/2025' is not a date; write YYYY-MM-DD",
        "6": "the text is not Arabic; digest summarises Arabic articles",
        "7": "'text' must be a string",
        "8": "'paragraphs' must be a list of strings",
    }
    assert all(f.origin.startswith(f"{path}:") for f in ingested.failures)


def test_hashtags_in_the_text_are_read_as_words(tmp_path):
    """Al Arabiya writes hashtags into its reports; a reader, the model and the clustering see
    the words. A number after #, a mark inside a word and an entity stay as they are."""
    path = tmp_path / "tags.jsonl"
    record = {
        "title": "#روسيا تنفي",
        "text": "قالت قوات #الجيش_اليمني إنها تقدمت.\nالفريق رقم #1 في الدوري و C# و a&#35;b.",
        "url": "https://www.alarabiya.net/ar/2018/03/13/x",
    }
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    (article,) = read_sources([str(path)]).articles
    assert article.title == "روسيا تنفي"
    assert article.paragraphs == (
        "قالت قوات الجيش اليمني إنها تقدمت.",
        "الفريق رقم #1 في الدوري و C# و a&#35;b.",
    )


# Articles of March 2018 whose text links to another of the outlet's articles in the middle:
# CNN Arabic's «قد يهمك أيضا:», «قد يهمك..» and «قد يهمك/», France 24 Arabic's «للمزيد:».
LINKED = {
    "ant:CN-middleEast-178-20180305": "إحالة المذيعة المصرية منى عراقي للتحقيق",
    "ant:CN-middleEast-208-20180307": "معارضون بريطانيون يطالبون بوقف تصدير الأسلحة",
    "ant:CN-middleEast-209-20180307": "وسيط غامض",
    "ant:FR-internationalNews-341-20180309": "الحكم بسجن 25 صحافيا تركيا",
}


@pytest.mark.real_data("news")
def test_an_outlet_s_link_to_another_article_is_related_not_body(tmp_path):
    """Left in the body, the linked headline was a sentence like any other: a story's bullet
    read «للمزيد: الحكم بسجن 25 صحافيا تركيا…», another report's title under France 24's name."""
    read = read_by_id(SHARED_DATA / "news" / "ant-2018-03.jsonl", set(LINKED), tmp_path)
    assert set(read) == set(LINKED)
    for key, linked in LINKED.items():
        article = read[key]
        assert any(item.startswith(linked) for item in article.related), key
        body = "\n".join(article.paragraphs)
        assert linked not in body and "قد يهمك" not in body and "للمزيد:" not in body
        assert len(article.paragraphs) >= 3
