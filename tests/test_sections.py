"""An article's section from its outlet's label or its URL, and a story's from its articles."""

import json
import re

import pytest

from digest.ingest import read_sources
from digest.stories import sections
from tests.conftest import SHARED_DATA
from tests.test_build import digest

DATA = SHARED_DATA / "news" / "ant-2018-03.jsonl"
BODY = (
    "قال الرئيس إن الاجتماع كان مثمرا جدا، وإن المحادثات ستستمر الأسبوع المقبل في العاصمة.",
    "وأضاف أن الجانبين اتفقا على تشكيل لجنة مشتركة لمتابعة الملفات العالقة بينهما.",
)


@pytest.mark.parametrize(
    ("label", "section"),
    [
        ("internationalNews", "world"),
        ("World", "world"),
        ("middleEast", "middle-east"),
        ("Middle East", "middle-east"),
        ("middle_east", "middle-east"),
        ("الشرق الأوسط", "middle-east"),
        ("economy", "economy"),
        ("Business", "economy"),
        ("اقتصاد", "economy"),
        ("الاقتصاد", "economy"),
        ("sport", "sport"),
        ("Sports", "sport"),
        ("رياضة", "sport"),
        ("الرياضة", "sport"),
        ("culture", "culture"),
        ("ثقافة وفن", "culture"),
        ("technology", "technology"),
        ("تكنولوجيا", "technology"),
        ("صحة", "health"),
        ("Science", "science"),
        ("رأي", "opinion"),
        ("سياسة", "politics"),
        ("", None),
        ("   ", None),
        (None, None),
        ("Local", None),
        ("world-cup", None),
    ],
)
def test_labels_in_either_language_map_to_one_name(label, section):
    assert sections.from_label(label) == section


@pytest.mark.parametrize(
    ("url", "section"),
    [
        ("https://www.skynewsarabia.com/middle-east/1030158", "middle-east"),
        ("https://www.skynewsarabia.com/business/1033489", "economy"),
        ("http://www.alarabiya.net/ar/sport/international-sport/2018/03/01/x.html", "sport"),
        ("http://www.alarabiya.net/ar/aswaq/economy/2018/03/28/x.html", "economy"),
        ("https://example.org/%D8%B1%D9%8A%D8%A7%D8%B6%D8%A9/123", "sport"),
        ("https://example.org/رياضة/123", "sport"),
        ("https://example.org/news/world-cup/123", None),
        # The slug is the article's, not a section: a story about the economy is not filed so.
        ("https://example.org/news/economy", None),
        ("https://www.skynewsarabia.com/web/article/1026090", None),
        (None, None),
    ],
)
def test_the_url_path_names_a_section(url, section):
    assert sections.from_url(url) == section


def test_the_label_comes_before_the_url():
    assert sections.detect(("middleEast",), "https://x.org/sport/1") == "middle-east"
    assert sections.detect(("Local", None), "https://x.org/sport/1") == "sport"
    assert sections.detect((), None) is None


@pytest.mark.parametrize(
    ("found", "section"),
    [
        ((), None),
        ((None, None), None),
        (("sport", None, None), "sport"),
        (("world", "middle-east", "middle-east"), "middle-east"),
        # A tie goes to the section listed first: news before sport, world before the region.
        (("sport", "world"), "world"),
        (("middle-east", "world"), "world"),
    ],
)
def test_a_story_takes_its_articles_most_common_section(found, section):
    assert sections.most_common(found) == section


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_every_input_kind_carries_its_section(tmp_path):
    body = "".join(f"<p>{p}</p>" for p in BODY)
    jsonl = write(
        tmp_path / "a.jsonl",
        json.dumps(
            {
                "title": "اجتماع",
                "text": "\n".join(BODY[::-1]),
                "category": "economy",
                "source": "BBC",
            },
            ensure_ascii=False,
        )
        + "\n",
    )
    rss = write(
        tmp_path / "b.xml",
        f"""<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>قناة</title>
<item><title>خبر</title><link>https://example.org/n/1</link><category>رياضة</category>
<description><![CDATA[<p>{BODY[1]}</p>]]></description></item>
<item><title>خبر آخر</title><link>https://example.org/culture/2</link>
<description><![CDATA[{body}<p>ثالث</p>]]></description></item></channel></rss>""",
    )
    page = """<html><head><title>{title}</title>{head}</head><body><article><h1>{title}</h1>
{body}{body}</article></body></html>"""
    meta = write(
        tmp_path / "c.html",
        page.format(
            title="عنوان",
            body=body,
            head='<meta property="article:section" content="Middle East">',
        ),
    )
    ld = write(
        tmp_path / "d.html",
        page.format(
            title="عنوان آخر",
            body=body + "<p>جملة أخرى للتمييز بين الصفحتين في هذا الاختبار.</p>",
            head='<script type="application/ld+json">{"@type": "NewsArticle", '
            '"articleSection": ["Technology", "News"]}</script>',
        ),
    )
    found = read_sources([jsonl, rss, meta, ld])
    assert not found.failures
    by_title = {a.title: a.section for a in found.articles}
    assert by_title == {
        "اجتماع": "economy",
        "خبر": "sport",
        "خبر آخر": "culture",
        "عنوان": "middle-east",
        "عنوان آخر": "technology",
    }


@pytest.mark.real_data("news")
def test_the_real_outlets_categories_all_map(tmp_path):
    """Every category of the ANT March data (six labels, five outlets) maps, through ingestion."""
    lines = DATA.read_text(encoding="utf-8").splitlines()
    labels = {json.loads(line)["category"] for line in lines}
    assert labels == {
        "internationalNews",
        "middleEast",
        "economy",
        "sport",
        "culture",
        "technology",
    }
    picked = [next(line for line in lines if f'"category": "{label}"' in line) for label in labels]
    found = read_sources([write(tmp_path / "day.jsonl", "\n".join(picked) + "\n")])
    assert sorted(a.section for a in found.articles) == sorted(
        ["world", "middle-east", "economy", "sport", "culture", "technology"]
    )


def test_inspect_shows_each_articles_section(tmp_path):
    lines = [
        {"title": "خبر", "text": BODY[0], "category": "رياضة", "source": "BBC"},
        {"title": "خبر آخر", "text": BODY[1], "source": "BBC"},
    ]
    path = write(
        tmp_path / "a.jsonl", "\n".join(json.dumps(r, ensure_ascii=False) for r in lines) + "\n"
    )
    shown = digest("inspect", path)
    assert shown.returncode == 0, shown.stderr
    assert re.findall(r"section: +(.+)", shown.stdout) == [
        "sport",
        "unknown (no category or URL folder names one)",
    ]
    listed = json.loads(digest("inspect", path, "--json").stdout)["articles"]
    assert [a["section"] for a in listed] == ["sport", None]
