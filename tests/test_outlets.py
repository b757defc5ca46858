"""Outlets named honestly: stated names, then datelines and attributions, then the URL's host,
else "unknown outlet"; never a file name."""

import pytest

from digest.ingest.text import parse_text
from digest.news import Bilingual, SourceRef, StoryDigest
from digest.pipeline import build
from digest.settings import build_settings
from digest.stories.outlets import UNKNOWN, from_text, from_url, identify
from tests.conftest import SEEDS

BODY = "وقال الرئيس إن الاجتماع كان مثمرا للغاية وإن المحادثات ستستمر الأسبوع المقبل."


@pytest.mark.parametrize(
    ("opening", "name", "found_in"),
    [
        ("واشنطن/ الأناضول", "Anadolu Agency", "dateline"),
        ("القدس - (رويترز) -", "Reuters", "dateline"),
        ("بيروت – أ ف ب:", "AFP", "dateline"),
        ("بيروت ـ أ ف ب:", "AFP", "dateline"),
        ("باريس - أ.ف.ب.", "AFP", "dateline"),
        ("الرياض 15 أغسطس 2025 (واس) -", "Saudi Press Agency", "dateline"),
        ("دمشق-سانا", "SANA", "dateline"),
        ("القاهرة (أ ش أ)", "MENA", "dateline"),
        ("دمشق، سوريا (CNN) --", "CNN Arabic", "dateline"),
    ],
)
def test_datelines(opening, name, found_in):
    assert from_text([f"{opening} {BODY}"]) == identify(None, "", [f"{opening} {BODY}"], None)
    outlet = from_text([f"{opening} {BODY}", BODY])
    assert (outlet.name, outlet.found_in) == (name, found_in)


@pytest.mark.parametrize(
    ("paragraph", "name"),
    [
        (
            "وبحسب المعلومات التي حصلت عليها الأناضول عقد الاجتماع تحت عنوان السلام.",
            "Anadolu Agency",
        ),
        ("وقال المسؤول لمراسل الأناضول إن المفاوضات مستمرة.", "Anadolu Agency"),
        ("وانتهى الاجتماع دون اتفاق. - أ ف ب", "AFP"),
    ],
)
def test_attributions_in_the_text(paragraph, name):
    outlet = from_text([BODY, paragraph])
    assert (outlet.name, outlet.found_in) == (name, "attribution in the text")


@pytest.mark.parametrize(
    "paragraph",
    [
        BODY,
        # Agencies quoted by another outlet, or a place called after a phrase, are not the outlet.
        "ونقلت وكالة رويترز عن مسؤول قوله إن الاجتماع انتهى دون اتفاق في العاصمة.",
        "وقالت صحيفة الشرق الأوسط إن الاجتماع انتهى، وذكرت قناة العربية أن الوفد غادر.",
    ],
)
def test_no_dateline_or_attribution_names_nothing(paragraph):
    assert from_text([paragraph, BODY]) is None


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("https://www.aa.com.tr/ar/politics/summit/123", "Anadolu Agency"),
        ("https://arabic.cnn.com/2013/middle_east/8/3/a", "CNN Arabic"),
        ("https://www.bbc.com/arabic/articles/c1", "BBC Arabic"),
        ("https://www.lbcgroup.tv/news/1", "LBCI"),
        ("https://news.example.org/a", "news.example.org"),
    ],
)
def test_url_hosts(url, name):
    assert from_url(url).name == name
    assert from_url(url).found_in == "URL host"


def test_order_stated_then_text_then_url_then_unknown():
    dateline = [f"واشنطن/ الأناضول {BODY}"]
    assert identify("RT", "source line", dateline, None).name == "RT"
    assert identify("الجزيرة", "front matter", dateline, None).name == "Al Jazeera"
    assert identify(None, "", dateline, "https://www.reuters.com/a").name == "Anadolu Agency"
    assert identify(None, "", [BODY], "https://www.reuters.com/a").name == "Reuters"
    unknown = identify(None, "", [BODY], None)
    assert (unknown.name, unknown.known) == (UNKNOWN, False)


def test_a_file_name_is_never_an_outlet():
    article = parse_text(BODY + "\n", origin="/tmp/002_df63d949de21f533.txt")
    assert article.source is None and article.source_name == "unknown outlet"
    assert any(w.startswith("outlet unknown") for w in article.warnings)


def test_sources_counted_are_distinct_known_outlets():
    def ref(name):
        return SourceRef(name, None, None)

    story = StoryDigest(
        headline=Bilingual("عنوان", None),
        bullets=(),
        sources=(ref("RT"), ref("RT"), ref(UNKNOWN), ref("Anadolu Agency")),
    )
    assert story.outlet_count == 2


def test_the_seed_issue_names_anadolu_not_a_file(tmp_path, store):
    result = build(build_settings([SEEDS], out=tmp_path, translate=False), store)
    markdown = (result.folder / "digest.md").read_text()
    assert "Sources (2 outlets, 2 reports): RT, Anadolu Agency (2025-08-16)" in markdown
    assert "— Anadolu Agency" in markdown
    assert "002_df63d949de21f533" not in markdown
    assert "إلا أنهم لم يتمكنوا من التوصل إلى اتفاق نهائي" in markdown


def test_stories_told_by_more_distinct_outlets_come_first():
    from digest.news import Article, Story
    from digest.pipeline import by_reach

    def article(id, source):
        return Article(id=id, origin=f"{id}.txt", paragraphs=(BODY,), source=source)

    one_voice = Story(articles=(article("a", "RT"), article("b", "RT"), article("c", None)))
    two_voices = Story(articles=(article("d", "RT"), article("e", "Reuters")))
    assert by_reach([one_voice, two_voices]) == [two_voices, one_voice]


def test_an_unknown_outlet_under_an_arabic_sentence_is_named_in_arabic_too(tmp_path, store):
    sources = tmp_path / "sources"
    sources.mkdir()
    for seed in SEEDS.iterdir():
        text = seed.read_text(encoding="utf-8")
        if "الأناضول" in text:
            text = text.replace("الأناضول", "")
        (sources / seed.name).write_text(text, encoding="utf-8")
    result = build(build_settings([sources], out=tmp_path / "site", translate=False), store)
    (story,) = result.issue.stories
    assert UNKNOWN in {s.name for s in story.sources} and story.outlet_count == 1
    for name in ("digest.md", "digest.txt", "index.html"):
        text = (result.folder / name).read_text(encoding="utf-8")
        assert "unknown outlet · مصدر غير معروف" in text, name
        assert "Sources (1 outlet, 2 reports)" in text, name
