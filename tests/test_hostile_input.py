"""Inputs an adversary (or a broken exporter) sends: each is one article's report, never the
whole build's, and nothing in them reaches a reader in disguise."""

import dataclasses
import json

import pytest

from digest.ingest import read_sources, sniff
from digest.news import Bilingual, SourceRef
from digest.publish import render
from tests.pages import flood_issue

BODY = (
    "قال الرئيس إن الاجتماع كان مثمرا جدا، وإن المحادثات ستستمر الأسبوع المقبل في العاصمة.\n"
    "وأضاف أن الجانبين اتفقا على تشكيل لجنة مشتركة لمتابعة الملفات العالقة بينهما."
)
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def test_a_json_line_nested_100000_deep_is_that_lines_report(tmp_path):
    path = tmp_path / "a.jsonl"
    good = json.dumps({"text": BODY, "published": "2025-08-16"}, ensure_ascii=False)
    path.write_text("[" * 100_000 + "\n" + good + "\n", encoding="utf-8")
    ingested = read_sources([path])
    assert len(ingested.articles) == 1
    (failure,) = ingested.failures
    assert failure.origin == f"{path}:1"
    assert "nested too deeply" in failure.reason


@pytest.mark.parametrize("date", ["9999-12-31", "0001-01-01", "1989-12-31"])
def test_implausible_dates_are_refused_in_front_matter_and_json_lines(tmp_path, date):
    text = tmp_path / "a.txt"
    text.write_text(f"---\ndate: {date}\n---\n{BODY}\n", encoding="utf-8")
    lines = tmp_path / "b.jsonl"
    lines.write_text(
        json.dumps({"text": BODY, "published": f"{date}T10:00:00Z"}, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    ingested = read_sources([text, lines])
    assert ingested.articles == ()
    assert [f.origin for f in ingested.failures] == [str(text), f"{lines}:1"]
    assert all("not a plausible publication date" in f.reason for f in ingested.failures)


def test_a_plausible_date_is_kept(tmp_path):
    text = tmp_path / "a.txt"
    text.write_text(f"---\ndate: 1990-01-01\n---\n{BODY}\n", encoding="utf-8")
    assert read_sources([text]).articles[0].published.isoformat() == "1990-01-01"


def test_a_stray_nul_byte_is_dropped_with_a_warning(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(BODY.encode() + b"\x00\n")
    (article,) = read_sources([path]).articles
    assert "\x00" not in "".join(article.paragraphs)
    assert "1 NUL byte(s) dropped" in article.warnings
    assert article.encoding == "utf-8"


def test_utf16_is_still_read_as_utf16(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(BODY.encode("utf-16-le"))
    (article,) = read_sources([path]).articles
    assert article.paragraphs[0].startswith("قال الرئيس")


@pytest.mark.parametrize(
    "head",
    [b"<!DOCTYPE html><html>", b"<html lang='ar'>", b"\n  <p>", b"<div class='x'>", b"<body>"],
)
def test_text_plain_that_is_markup_is_read_as_html(head):
    assert sniff(head + "نص".encode(), "text/plain") == "html"


def test_text_plain_with_a_less_than_sign_stays_text():
    assert sniff("٣ < ٥ في النص".encode(), "text/plain") == "text"


def test_bidi_controls_never_reach_a_reader():
    issue = flood_issue()
    story = issue.stories[0]
    source = story.sources[0]
    issue = dataclasses.replace(
        issue,
        stories=(
            dataclasses.replace(
                story,
                headline=Bilingual(ar=f"خمسة{BIDI} قتلى", en=f"Five{BIDI} dead"),
                sources=(SourceRef(f"{BIDI}الجزيرة", source.url, source.published),),
            ),
            *issue.stories[1:],
        ),
    )
    env = render.environment()
    files = {**render.render(issue, env), **render.render_site([issue], env)}
    for name, text in files.items():
        assert not any(ch in text for ch in BIDI), name
    assert "Five dead" in files["digest.txt"]


BAD_URL = "http://[evil/x"


def paragraphs_html(head: str = "") -> str:
    body = "".join(f"<p>{line}</p>" for line in BODY.split("\n") * 2)
    return f"<html><head>{head}</head><body><article>{body}</article></body></html>"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("front.txt", f"---\nurl: {BAD_URL}\n---\n{BODY}\n"),
        ("line.jsonl", json.dumps({"text": BODY, "url": BAD_URL}, ensure_ascii=False) + "\n"),
        ("page.html", paragraphs_html(f'<link rel="canonical" href="{BAD_URL}">')),
        (
            "feed.xml",
            '<rss version="2.0"><channel><title>t</title><item><title>عنوان</title>'
            f"<link>{BAD_URL}</link><description>{BODY}</description></item></channel></rss>",
        ),
    ],
)
def test_a_url_that_cannot_be_parsed_is_left_out_with_a_warning(tmp_path, name, content):
    """Invalid IPv6 URL (urllib's ValueError) used to end the whole build with a traceback."""
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    (article,) = read_sources([path]).articles
    assert article.url is None
    assert article.paragraphs[0].startswith("قال الرئيس")


def test_json_ld_nested_100000_deep_is_no_date_not_a_crash(tmp_path):
    path = tmp_path / "deep.html"
    path.write_text(
        paragraphs_html('<script type="application/ld+json">' + "[" * 100_000 + "</script>"),
        encoding="utf-8",
    )
    (article,) = read_sources([path]).articles
    assert article.published is None


def test_json_ld_nested_just_under_the_parsers_limit_is_walked(tmp_path):
    """json.loads accepts a few hundred levels; walking them must not recurse past the limit."""
    deep = "[" * 900 + '{"datePublished": "2025-08-16"}' + "]" * 900
    path = tmp_path / "deep.html"
    path.write_text(
        paragraphs_html(f'<script type="application/ld+json">{deep}</script>'), encoding="utf-8"
    )
    (article,) = read_sources([path]).articles
    assert article.published.isoformat() == "2025-08-16"


def test_a_lone_surrogate_escape_in_a_json_line_is_dropped(tmp_path):
    path = tmp_path / "a.jsonl"
    escaped = json.dumps({"title": "عنوان\ud800", "text": BODY + "\udfff", "source": "\udc00"})
    path.write_text(escaped + "\n", encoding="utf-8")
    ingested = read_sources([path])
    assert ingested.failures == ()
    (article,) = ingested.articles
    assert article.title == "عنوان"
    assert article.paragraphs == tuple(BODY.split("\n"))


def test_a_line_separator_inside_a_json_string_does_not_split_the_line(tmp_path):
    """U+2028 is valid raw inside a JSON string; str.splitlines() treated it as a line end."""
    path = tmp_path / "a.jsonl"
    record = {"title": "عنوان\u2028الخبر", "text": BODY.replace("\n", "\u2029")}
    path.write_text(json.dumps(record, ensure_ascii=False) + "\r\n", encoding="utf-8")
    ingested = read_sources([path])
    assert ingested.failures == ()
    (article,) = ingested.articles
    assert article.paragraphs[0].startswith("قال الرئيس")


def test_whatever_a_reader_raises_is_that_sources_report(tmp_path, monkeypatch):
    """The last line of defence: an exception no reader anticipated is one `could not process`
    line for its source, and the other sources are read."""
    from digest.ingest import html

    def broken(*args, **kwargs):
        raise KeyError("something no one expected")

    monkeypatch.setattr(html, "stated_date", broken)
    page = tmp_path / "a.html"
    page.write_text(paragraphs_html(), encoding="utf-8")
    text = tmp_path / "b.txt"
    text.write_text(BODY, encoding="utf-8")
    ingested = read_sources([page, text])
    assert len(ingested.articles) == 1
    (failure,) = ingested.failures
    assert failure.origin == str(page)
    assert failure.reason == "could not be read (KeyError: 'something no one expected')"


def test_character_references_to_unsafe_code_points_in_a_feed(tmp_path):
    """feedparser's loose parser raised UnicodeEncodeError on &#xD800; (the strict one refuses
    the feed, so the loose one is what reads it)."""
    path = tmp_path / "feed.xml"
    path.write_text(
        '<rss version="2.0"><channel><title>&#x202E;قناة&#0;</title><item>'
        "<title>عنوان&#xD800;&#xFFFF;&#x1b;]0;x&#7;</title>"
        f"<description>{BODY}&#x110000;&#1114112;&#xDFFF;</description></item></channel></rss>",
        encoding="utf-8",
    )
    ingested = read_sources([path])
    assert ingested.failures == ()
    (article,) = ingested.articles
    assert article.title == "عنوان]0;x"
    assert article.source == "قناة"
    assert article.paragraphs == tuple(BODY.split("\n"))


def test_a_url_holding_a_bidi_override_or_a_control_is_left_out(tmp_path):
    """Found by the property test: the host of `http://\u202eevil.org/` became the outlet."""
    path = tmp_path / "a.jsonl"
    lines = [
        json.dumps({"text": BODY, "url": url}, ensure_ascii=False)
        for url in ("http://\u202eevil.org/", "https://example.org/\x1b]0;x\x07")
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
    for article in read_sources([path]).articles:
        assert article.url is None and article.source is None
