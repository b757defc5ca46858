"""Characters that break or mislead never reach a reader, a feed reader, an inbox or a terminal:
noncharacters (XML refuses U+FFFE and U+FFFF, so one made feed.xml unparseable for every
subscriber), controls (a terminal obeys ESC, BEL and OSC: a title change, a clipboard write),
lone surrogates and bidi overrides and isolates. Each output is read back as its consumer reads
it: the feed with lxml and feedparser, the search records as Pagefind gets them, the Subject as
a mail header, TMX with lxml, `digest inspect` as a terminal would get it."""

import dataclasses
import json

import feedparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from digest.mail import compose
from digest.news import Bilingual, Edit, SourceRef
from digest.publish import render, search
from digest.review import export
from digest.sanitise import UNSAFE
from digest.translate.memory import Remembered
from tests.pages import flood_issue
from tests.test_build import digest
from tests.test_ingest_fetch import SANDSTORM

OSC_TITLE = "\x1b]0;owned\x07"
OSC_CLIPBOARD = "\x1b]52;c;ZWNobyBldmls\x07"
HOSTILE = (
    f"\ufffe\uffff\U0010ffff\ufdd0\x00\x07\x08\x0b\x0c\x7f\x85\x9b{OSC_TITLE}{OSC_CLIPBOARD}"
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ud800\udfff"
)
# What is left of HOSTILE once unsafe characters go: the printable tails of the escapes.
LEFT = "]0;owned]52;c;ZWNobyBldmls"


def hostile_issue():
    issue = flood_issue()
    story = issue.stories[0]
    bullet = story.bullets[0]
    edit = Edit(machine=f"machine{HOSTILE}", flag=f"flag{HOSTILE}", by=f"Rana{HOSTILE}", at="x")
    return dataclasses.replace(
        issue,
        title=f"Digest{HOSTILE}",
        stories=(
            dataclasses.replace(
                story,
                headline=Bilingual(ar=f"خمسة{HOSTILE} قتلى", en=f"Five{HOSTILE} dead"),
                bullets=(
                    dataclasses.replace(
                        bullet,
                        line=Bilingual(
                            ar=f"{bullet.line.ar}{HOSTILE}",
                            en=f"Edited{HOSTILE} line",
                            edit=edit,
                        ),
                        source=f"الجزيرة{HOSTILE}",
                    ),
                    *story.bullets[1:],
                ),
                sources=(SourceRef(f"الجزيرة{HOSTILE}", None, issue.date),),
            ),
        ),
    )


def unsafe_in(text: str) -> list[str]:
    return [hex(ord(ch)) for ch in UNSAFE.findall(text)]


@pytest.fixture(scope="module")
def rendered():
    issue = hostile_issue()
    env = render.environment()
    return {**render.render(issue, env), **render.render_site([issue], env)}


def test_no_output_file_holds_an_unsafe_character(rendered):
    for name, text in rendered.items():
        assert unsafe_in(text) == [], name
        text.encode("utf-8")


def test_the_atom_feed_parses_strictly_and_in_feedparser(rendered):
    feed = rendered["feed.xml"].encode("utf-8")
    root = etree.fromstring(feed, etree.XMLParser(recover=False))
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    parsed = feedparser.parse(feed)
    assert not parsed.bozo, parsed.get("bozo_exception")
    (entry,) = parsed.entries
    assert f"Five{LEFT} dead" in entry.content[0].value
    assert f"Edited{LEFT} line" in entry.content[0].value


def test_search_records_hold_no_unsafe_character():
    records = search.records([hostile_issue()])
    assert {r.language for r in records} == {"ar", "en"}
    for record in records:
        for text in (record.content, *record.meta.values(), *sum(record.filters.values(), [])):
            assert unsafe_in(text) == [], (record.language, text)
    english = next(r for r in records if r.language == "en")
    assert english.meta["title"] == f"Five{LEFT} dead"
    assert english.filters["outlet"] == [f"الجزيرة{LEFT}"]


def test_the_subject_holds_no_unsafe_character_or_line_break():
    issue = hostile_issue()
    subject = compose.subject(issue, "{title} · {date}: {lead}")
    assert unsafe_in(subject) == []
    assert "\n" not in subject and "\u2028" not in subject
    assert subject == f"Digest{LEFT} · 2025-03-10: Five{LEFT} dead"


def test_a_line_separator_in_a_subject_is_a_space():
    issue = dataclasses.replace(flood_issue(), title="Arabic\u2028press\u2029digest\u0085")
    assert compose.subject(issue, "{title}") == "Arabic press digest"


MEMORY = [
    Remembered(
        model="opus-mt-ar-en",
        ar=f"خمسة قتلى{HOSTILE}\tفي\nصفاقس",
        en=f"Five{HOSTILE} dead\tin\nSfax",
        by=f"Rana{HOSTILE}",
        at="2026-11-30T01:00:00+00:00",
    )
]


def test_tmx_drops_what_xml_cannot_carry_and_parses():
    text = export.tmx(MEMORY)
    assert unsafe_in(text) == []
    root = etree.fromstring(text.encode("utf-8"))
    ar, en = (seg.text for seg in root.iter("seg"))
    assert ar == f"خمسة قتلى{LEFT}\tفي\nصفاقس"
    assert en == f"Five{LEFT} dead\tin\nSfax"
    assert root.find("body/tu").get("creationid") == f"Rana{LEFT}"


def test_export_writes_every_line_break_as_a_line_feed():
    entry = dataclasses.replace(MEMORY[0], en="one\r\ntwo\rthree")
    _, en = (seg.text for seg in etree.fromstring(export.tmx([entry]).encode()).iter("seg"))
    assert en == "one\ntwo\nthree"
    assert export.tsv([entry]).split("\n")[1].split("\t")[2] == "one\\ntwo\\nthree"


def test_tsv_drops_unsafe_characters_and_escapes_tabs_and_line_breaks():
    header, row, end = export.tsv(MEMORY).split("\n")
    assert end == ""
    assert unsafe_in(row) == []
    assert row.split("\t")[1:4] == [
        f"خمسة قتلى{LEFT}\\tفي\\nصفاقس",
        f"Five{LEFT} dead\\tin\\nSfax",
        f"Rana{LEFT}",
    ]


BODY = (
    "قال الرئيس إن الاجتماع كان مثمرا جدا، وإن المحادثات ستستمر الأسبوع المقبل في العاصمة.\n"
    "وأضاف أن الجانبين اتفقا على تشكيل لجنة مشتركة لمتابعة الملفات العالقة بينهما."
)


def test_inspect_writes_no_escape_sequence_to_the_terminal(tmp_path):
    feed = tmp_path / f"feed{OSC_TITLE}.xml"
    escaped = "&#x1b;]0;owned&#7;&#x1b;]52;c;ZWNobyBldmls&#x7;&#x202e;&#xffff;"
    feed.write_text(
        f'<rss version="2.0"><channel><title>قناة{escaped}</title><item>'
        f"<title>عنوان{escaped}</title><link>https://example.org/a{escaped}</link>"
        f"<description>{BODY}{escaped}</description></item></channel></rss>",
        encoding="utf-8",
    )
    line = tmp_path / "b.jsonl"
    record = {"title": "عاصفة", "text": "\n".join(SANDSTORM) + HOSTILE, f"key{HOSTILE}": 1}
    line.write_text(json.dumps(record) + "\n" + json.dumps({"text": HOSTILE}) + "\n")
    for args in ((), ("--json",)):
        result = digest("inspect", feed, line, *args)
        assert result.returncode == 0, result.stderr
        for stream in (result.stdout, result.stderr):
            assert unsafe_in(stream) == []
            assert "\x1b" not in stream and "\\u001b" not in stream
        assert "عنوان]0;owned]52;c;ZWNobyBldmls" in result.stdout
        assert "ignored fields: key]0;owned]52;c;ZWNobyBldmls" in result.stdout


any_text = st.text(st.characters(codec=None, categories=None), max_size=40) | st.sampled_from(
    [HOSTILE, OSC_TITLE, "\ufffe\uffff", "\ud800", "]]>", "<![CDATA[", "&#0;", "\x00"]
)


@settings(max_examples=40, deadline=None)
@given(any_text, any_text, any_text, any_text)
def test_the_feed_parses_whatever_the_text(headline, english, outlet, title):
    issue = flood_issue()
    story = issue.stories[0]
    issue = dataclasses.replace(
        issue,
        title=title or "digest",
        stories=(
            dataclasses.replace(
                story,
                headline=Bilingual(ar=headline, en=english),
                sources=(SourceRef(outlet or "x", None, issue.date),),
            ),
        ),
    )
    feed = render.render_site([issue], render.environment())["feed.xml"].encode("utf-8")
    etree.fromstring(feed, etree.XMLParser(recover=False))
    assert not feedparser.parse(feed).bozo
