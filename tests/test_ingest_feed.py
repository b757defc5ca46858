"""RSS 2.0 and Atom feeds read from files: one article per entry."""

import datetime as dt
from pathlib import Path

import pytest

from digest.ingest import read_article, read_sources
from digest.ingest.feed import markup_lines

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "ingest"


def test_rss_one_article_per_arabic_entry_and_the_english_one_reported():
    ingested = read_sources([FIXTURES / "rss.xml"])
    first, second = ingested.articles
    assert first.title == "البنك المركزي التونسي يبقي سعر الفائدة دون تغيير"
    assert first.source == "أخبار المغرب"
    assert first.url == "https://news.example.org/economy/2025/03/central-bank-rates"
    # 00:30 at +03:00 is still 4 March where it was published (feedparser's UTC says 3 March).
    assert first.published == dt.date(2025, 3, 4)
    # content:encoded is preferred to the one-line description; markup, scripts and the
    # social prompt are gone.
    assert len(first.paragraphs) == 2
    assert "السياسة النقدية الحالية" in first.paragraphs[1]
    assert all("<" not in p and "track()" not in p for p in first.paragraphs)

    assert second.url == "https://news.example.org/iraq/2025/03/sandstorm"  # no #comments
    assert second.published == dt.date(2025, 3, 5)
    assert [p[:12] for p in second.paragraphs] == ["ضربت عاصفة ر", "وأفادت وزارة", "وتوقعت هيئة "]

    (failure,) = ingested.failures
    assert failure.origin == f"{FIXTURES / 'rss.xml'}#3"
    assert "not Arabic" in failure.reason


def test_atom_entries_use_content_then_summary_and_the_published_date():
    ahly, morocco = read_sources([FIXTURES / "atom.xml"]).articles
    assert ahly.source == morocco.source == "الرياضة اليوم"
    assert ahly.published == dt.date(2025, 3, 8)  # <published>, not <updated>
    assert len(ahly.paragraphs) == 3
    assert ahly.url == "https://sport.example.org/football/ahly-champions"
    assert morocco.published == dt.date(2025, 3, 7)
    assert morocco.paragraphs[0].startswith("يستعد المنتخب المغربي")


def test_the_same_story_in_a_feed_and_a_saved_page_is_one_article():
    ingested = read_sources([FIXTURES / "rss.xml", FIXTURES / "page.html"])
    assert len(ingested.articles) == 2
    merged = ingested.articles[0]
    # The page's full text wins over the feed's excerpt; the feed entry keeps its place.
    assert len(merged.paragraphs) == 4
    assert merged.origin == f"{FIXTURES / 'rss.xml'}#1"
    assert f"also read from {FIXTURES / 'page.html'}" in merged.warnings
    alone = read_sources([FIXTURES / "page.html"]).articles[0]
    assert merged.id == alone.id


def test_a_feed_is_one_article_for_single_article_commands():
    assert read_article(FIXTURES / "atom.xml").title == "الأهلي يتوج بلقب دوري أبطال أفريقيا"


@pytest.mark.parametrize(
    ("xml", "reason"),
    [
        (
            '<?xml version="1.0"?><urlset><url><loc>https://x.org/</loc></url></urlset>',
            "not an RSS",
        ),
        (
            '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>',
            "the feed has no entries",
        ),
    ],
)
def test_xml_that_is_not_a_feed_or_has_no_entries(tmp_path, xml, reason):
    path = tmp_path / "feed.xml"
    path.write_text(xml, encoding="utf-8")
    ingested = read_sources([path])
    assert ingested.articles == ()
    assert reason in ingested.failures[0].reason


def test_markup_lines_breaks_at_blocks_only():
    assert [
        line
        for line in markup_lines(
            "نص <b>عريض</b><div>كتلة<br>سطر</div><ul><li>أ</li><li>ب</li></ul>"
        )
        if line
    ] == ["نص عريض", "كتلة", "سطر", "أ", "ب"]
    assert markup_lines("سطر أول\nسطر ثان") == ["سطر أول", "سطر ثان"]
