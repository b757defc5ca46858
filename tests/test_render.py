"""Rendering one issue: bilingual markup, review marks, email safety, escaping, user templates."""

import dataclasses
import datetime as dt
import re

import feedparser
import pytest

from digest.errors import TemplateError
from digest.news import Bilingual, Bullet, SourceRef
from digest.publish import render
from tests.pages import (
    arabic_only,
    declarations,
    flood_issue,
    parse,
    summit_issue,
    ten_story_issue,
)

HOSTILE = '<script>alert(1)</script><img src=x onerror="alert(2)">'


def rendered(issue=None, templates=None):
    return render.render(issue or summit_issue(), render.environment(templates))


def readable(text, output):
    """What a reader sees: the text of an HTML page, other formats as they are."""
    return parse(text).text if output.endswith(".html") else text


def with_story_changes(issue, **changes):
    return dataclasses.replace(
        issue, stories=(dataclasses.replace(issue.stories[0], **changes), *issue.stories[1:])
    )


def test_arabic_blocks_are_rtl_in_attributes_and_inline_style_english_is_lang_en():
    page = parse(rendered()["index.html"])
    arabic = [e for e in page.find_all("p") if e.attrs.get("lang") == "ar"]
    assert len(arabic) == 4, "the headline and three bullets each keep their Arabic"
    for block in arabic:
        assert block.attrs["dir"] == "rtl"
        style = declarations(block.attrs["style"])
        assert style["direction"] == "rtl" and style["text-align"] == "right"
    english = [
        e
        for e in page.find_all("p") + page.find_all("h2")
        if "en" in e.attrs.get("class", "").split()
    ]
    assert len(english) == 4
    assert all(e.attrs["lang"] == "en" and "dir" not in e.attrs for e in english)


def test_english_holding_arabic_letters_gets_dir_auto():
    issue = summit_issue()
    line = Bilingual(ar="قال المتحدث", en="قال the spokesman")
    html = rendered(with_story_changes(issue, headline=line))["index.html"]
    (headline,) = [
        h for h in parse(html).find_all("h2") if "en" in h.attrs.get("class", "").split()
    ][:1]
    assert (headline.attrs["lang"], headline.attrs["dir"]) == ("en", "auto")


def test_names_of_unknown_direction_are_dir_auto():
    page = parse(rendered()["index.html"])
    sources = page.find_all("a")
    outlet = next(a for a in sources if a.text == "الأناضول")
    assert outlet.attrs["dir"] == "auto"
    via = [s for s in page.find_all("span") if s.text in ("RT", "الأناضول")]
    assert via and all(s.attrs["dir"] == "auto" for s in via)


@pytest.mark.parametrize(
    ("output", "mark"),
    [
        (
            "index.html",
            "Check the translation: the sentence was longer than the model's input limit",
        ),
        (
            "digest.md",
            "**[check the translation: the sentence was longer than the model's input limit]**",
        ),
        (
            "digest.txt",
            "[CHECK THE TRANSLATION: the sentence was longer than the model's input limit]",
        ),
    ],
)
def test_a_flagged_bullet_is_marked_in_every_format(output, mark):
    text = readable(rendered()[output], output)
    flagged = "Steve Witkoff on the American side."
    assert text.count(mark) == 1
    assert 0 < text.index(mark) - text.index(flagged) < 300, "the mark sits with its bullet"
    unflagged = readable(rendered(flood_issue())[output], output)
    assert "check the translation" not in unflagged.lower()


def test_the_flagged_bullet_is_highlighted_in_the_html():
    page = parse(rendered()["index.html"])
    (flagged,) = [p for p in page.find_all("p") if "review" in p.attrs.get("class", "").split()]
    assert "Witkoff" in flagged.text and "background" in flagged.attrs["style"]
    (contents,) = page.find_all("nav")
    assert "(check the translation)" in contents.text


def test_the_issue_page_is_a_self_contained_email_body():
    html = rendered()["index.html"]
    page = parse(html)
    assert not page.find_all("style") and not page.find_all("link") and not page.find_all("script")
    assert not re.search(r"\bsrc=|@import|url\(", html)
    (title,) = page.find_all("title")
    assert title.text == "Arabic press digest · 2025-08-16"
    generator = [m for m in page.find_all("meta") if m.attrs.get("name") == "generator"]
    assert generator[0].attrs["content"] == str(summit_issue().signature)
    links = [a.attrs["href"] for a in page.find_all("a")]
    assert all(
        re.match(r"https://|#s-[0-9a-f]{10}$|\.\./index\.html(#archive)?$", link) for link in links
    ), links
    (frame,) = [t for t in page.find_all("table") if "frame" in t.attrs.get("class", "")]
    assert frame.attrs["width"] == "640" and declarations(frame.attrs["style"])["width"] == "640px"
    (body,) = page.find_all("body")
    assert "font-family" in body.attrs["style"] and "DejaVu Sans" in body.attrs["style"]


def test_the_preheader_is_hidden_and_summarises_the_issue():
    page = parse(rendered()["index.html"])
    (preheader,) = [d for d in page.find_all("div") if d.attrs.get("class") == "preheader"]
    assert declarations(preheader.attrs["style"])["display"] == "none"
    assert preheader.text.startswith("2025-08-16 · 1 story: Trump says he made great progress")


def test_contents_list_each_story_and_the_anchors_exist():
    issue = summit_issue()
    issue = dataclasses.replace(issue, stories=issue.stories + flood_issue().stories)
    files = rendered(issue)
    page = parse(files["index.html"])
    (contents,) = page.find_all("nav")
    targets = [a.attrs["href"] for a in contents.find_all("a")]
    ids = [story.id for story in issue.stories]
    assert len(set(ids)) == 2 and all(re.fullmatch(r"s-[0-9a-f]{10}", i) for i in ids)
    assert targets == [f"#{i}" for i in ids]
    assert [a.attrs["id"] for a in page.find_all("article")] == ids
    for output in ("digest.md", "digest.txt"):
        assert "1. Trump says he made great progress" in files[output]
        assert "2. Five dead in floods in Tunisia's Sfax" in files[output]


def test_sources_show_name_link_date_and_outlet_count():
    files = rendered()
    page = parse(files["index.html"])
    (sources,) = [p for p in page.find_all("p") if p.attrs.get("class") == "sources"]
    assert sources.text.startswith("Sources (2 outlets, 2 reports):")
    assert [a.attrs["href"] for a in sources.find_all("a")] == [
        "https://arabic.rt.com/world/1700000-summit/",
        "https://www.aa.com.tr/ar/summit/3650000",
    ]
    assert [t.attrs["datetime"] for t in sources.find_all("time")] == ["2025-08-16"] * 2
    assert "[RT](<https://arabic.rt.com/world/1700000-summit/>) (2025-08-16)" in files["digest.md"]
    assert "- RT, 2025-08-16: https://arabic.rt.com/world/1700000-summit/" in files["digest.txt"]


def test_two_articles_from_one_outlet_count_as_one_outlet():
    issue = flood_issue()
    second = SourceRef("الجزيرة", "https://www.aljazeera.net/news/2", issue.date)
    files = rendered(with_story_changes(issue, sources=(*issue.stories[0].sources, second)))
    counted = "Sources (1 outlet, 2 reports):"
    assert counted in files["digest.md"] and counted in files["digest.txt"]


def test_an_outlets_further_reports_are_numbered_links_beside_its_name():
    """A desk's story can hold sixty reports from a dozen outlets: the page names each outlet once
    and links every report, the second and later ones by number with their date in the label."""
    issue = flood_issue()
    first, *more = (
        SourceRef("الجزيرة", f"https://www.aljazeera.net/news/{n}", issue.date) for n in (1, 2, 3)
    )
    other = SourceRef("الأناضول", "https://www.aa.com.tr/ar/sfax/1", issue.date)
    sources = (first, more[0], other, more[1])
    files = rendered(with_story_changes(issue, sources=sources))
    page = parse(files["index.html"])
    (line,) = [p for p in page.find_all("p") if p.attrs.get("class") == "sources"]
    assert line.text.startswith("Sources (2 outlets, 4 reports):")
    links = line.find_all("a")
    assert [a.attrs["href"] for a in links] == [first.url, more[0].url, more[1].url, other.url]
    assert [a.text for a in links] == [first.name, "[2]", "[3]", other.name]
    assert links[2].attrs["aria-label"] == f"{first.name}, report 3 of 3, {issue.date.isoformat()}"
    assert line.text.count(first.name) == 1


def test_the_signature_is_in_every_footer():
    signature = str(summit_issue().signature)
    files = rendered()
    (footer,) = parse(files["index.html"]).find_all("footer")
    assert signature in footer.text
    assert files["digest.md"].rstrip().endswith(f"`{signature}`")
    assert files["digest.txt"].rstrip().endswith(signature)


def hostile_issue():
    issue = summit_issue()
    story = issue.stories[0]
    return with_story_changes(
        issue,
        headline=Bilingual(ar=f"عنوان {HOSTILE}", en=f"Headline {HOSTILE}", review=HOSTILE),
        bullets=(
            Bullet(Bilingual(ar=f"جملة {HOSTILE}", en=f"Line {HOSTILE}"), HOSTILE),
            *story.bullets,
        ),
        sources=(
            SourceRef(HOSTILE, "javascript:alert(3)", None),
            SourceRef(HOSTILE, "https://example.org/second-report", None),
            SourceRef("data", "data:text/html,<script>alert(4)</script>", None),
            SourceRef("file", "file:///etc/passwd", None),
            SourceRef("no host", "http:alert(5)", None),
            SourceRef("quote", 'https://example.org/a"onmouseover="alert(6)', None),
            *story.sources,
        ),
    )


def test_article_text_shows_as_text_in_html():
    issue = hostile_issue()
    env = render.environment()
    pages = [
        render.render(issue, env)["index.html"],
        render.render_site([issue], env)["index.html"],
    ]
    for html in pages:
        page = parse(html)
        assert HOSTILE in page.text, "the markup is there to read, as text"
        assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=" in html
        elements = [e for tag in ("p", "span", "a", "h2", "li", "div") for e in page.find_all(tag)]
        assert not page.find_all("script") and not page.find_all("img")
        assert not any(name.startswith("on") for e in elements for name in e.attrs)
        hrefs = [a.attrs["href"] for a in page.find_all("a")]
        assert html is pages[1] or "https://example.org/a%22onmouseover=%22alert(6)" in hrefs
        assert not any(h.startswith(("javascript", "data", "file", "http:")) for h in hrefs)
        assert "javascript:" not in html and "data:text" not in html and "file://" not in html


def test_article_text_shows_as_text_in_markdown_and_plain_text():
    files = render.render(hostile_issue(), render.environment())
    markdown, text = files["digest.md"], files["digest.txt"]
    assert r'\<script\>alert(1)\</script\>\<img src=x onerror="alert(2)"\>' in markdown
    assert not re.search(r"(?<!\\)<(?!https://)", markdown), "every < is escaped or opens a link"
    assert "javascript:" not in markdown and "data:" not in markdown and "file:" not in markdown
    assert "(<https://example.org/a%22onmouseover=%22alert(6)>)" in markdown
    assert f"Line {HOSTILE}" in text, "plain text shows the text as it is, it cannot run"
    assert "javascript:" not in text and "file:" not in text and "data:text" not in text


def test_article_text_shows_as_text_in_the_feed():
    feed = render.render_site([hostile_issue()], render.environment())["feed.xml"]
    parsed = feedparser.parse(feed)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    (entry,) = parsed.entries
    content = entry.content[0].value
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content and "<script" not in content
    assert "<img" not in content and "javascript:" not in content
    assert HOSTILE in entry.summary, "the text summary carries the text itself"


def test_control_characters_are_dropped_so_the_feed_stays_valid_xml():
    issue = with_story_changes(
        flood_issue(), headline=Bilingual(ar="خمسة\x00 قتلى\x1b[31m", en="Five\x0b dead\x85")
    )
    env = render.environment()
    files = {**render.render(issue, env), **render.render_site([issue], env)}
    for name, text in files.items():
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", text), name
    assert feedparser.parse(files["feed.xml"]).bozo == 0
    assert "Five dead" in files["digest.txt"]


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://example.org/x?a=1&b=2", "https://example.org/x?a=1&b=2"),
        ("HTTP://EXAMPLE.ORG/", "HTTP://EXAMPLE.ORG/"),
        (" https://example.org/a b ", "https://example.org/a%20b"),
        ("https://example.org/<x>", "https://example.org/%3Cx%3E"),
        ("javascript:alert(1)", None),
        ("JavaScript:alert(1)", None),
        ("data:text/html,x", None),
        ("file:///etc/passwd", None),
        ("//example.org/x", None),
        ("http:no-host", None),
        ("", None),
        (None, None),
    ],
)
def test_only_http_links_with_a_host_are_kept(url, kept):
    assert render.web_link(url) == kept


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("قال المتحدث", "arabic"),
        ("The spokesman said", "latin"),
        ("قال Reuters", "mixed"),
        ("3+3 — 2025", "none"),
    ],
)
def test_script_of_a_line(text, kind):
    assert render.script(text) == kind


def test_rendering_twice_gives_identical_text():
    env = render.environment()
    assert render.render(summit_issue(), env) == render.render(summit_issue(), render.environment())
    assert render.render_site([summit_issue(), flood_issue()], env) == render.render_site(
        [summit_issue(), flood_issue()], env
    )


def test_a_user_template_replaces_the_built_in_one_by_name_and_the_rest_fall_back(tmp_path):
    (tmp_path / "newsletter.txt.j2").write_text(
        "{{ issue.title }} / {{ issue.date.isoformat() }} / {{ issue.stories | length }}\n"
    )
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "digest.css").write_text(".ar { color: #123456; }\n")
    env = render.environment(tmp_path)
    files = render.render(summit_issue(), env)
    assert files["digest.txt"] == "Arabic press digest / 2025-08-16 / 1\n"
    assert files["digest.md"] == rendered()["digest.md"]
    arabic = [e for e in parse(files["index.html"]).find_all("p") if e.attrs.get("lang") == "ar"]
    assert arabic and all(declarations(e.attrs["style"])["color"] == "#123456" for e in arabic), (
        "the issue page inlines the user's stylesheet"
    )
    assert render.render_assets(env) == {"digest.css": ".ar { color: #123456; }\n"}


def test_a_user_partial_is_used_by_every_page_that_includes_it(tmp_path):
    (tmp_path / "partials").mkdir()
    builtin = render.bundled("templates") / "partials" / "bilingual.html.j2"
    (tmp_path / "partials" / "bilingual.html.j2").write_text(
        builtin.read_text().replace("Check the translation:", "Please verify:")
    )
    env = render.environment(tmp_path)
    assert "Please verify:" in render.render(summit_issue(), env)["index.html"]
    assert "Please verify:" in render.render_site([summit_issue()], env)["feed.xml"]


@pytest.mark.parametrize(
    ("name", "source", "line", "message"),
    [
        ("newsletter.md.j2", "# {{ issue.title }}\n\n{% for story in issue.stories %}\n", 3, "for"),
        ("newsletter.txt.j2", "{{ issue.title }}\n{{ issue.no_such_field }}\n", 2, "no_such_field"),
        (
            "feed.xml.j2",
            "<feed>\n\n\n{{ issues[0].date + 1 }}\n</feed>\n",
            4,
            "unsupported operand",
        ),
        (
            "newsletter.html.j2",
            '<html>\n{% include "partials/missing.html.j2" %}\n',
            2,
            "missing.html.j2",
        ),
    ],
)
def test_a_template_error_names_the_file_and_the_line(tmp_path, name, source, line, message):
    (tmp_path / name).write_text(source)
    env = render.environment(tmp_path)
    with pytest.raises(TemplateError) as caught:
        render.render(summit_issue(), env)
        render.render_site([summit_issue()], env)
    text = str(caught.value)
    assert message in text
    assert f"{tmp_path / name}, line {line}:" in text


def blockquote_paragraphs(markdown):
    """The text of every paragraph inside a block quote, as a CommonMark renderer reads it."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse(markdown)
    depth, found = 0, []
    for token in tokens:
        depth += {"blockquote_open": 1, "blockquote_close": -1}.get(token.type, 0)
        if depth and token.type == "inline":
            found.append(token.content)
    return found


@pytest.mark.parametrize("issue", [summit_issue(), arabic_only(summit_issue())])
def test_markdown_arabic_paragraphs_start_right_to_left_and_name_no_outlet(issue):
    from markdown_it import MarkdownIt

    markdown = rendered(issue)["digest.md"]
    story = issue.stories[0]
    quoted = blockquote_paragraphs(markdown)
    assert len(quoted) == 1 + len(story.bullets), "the headline and each bullet, one paragraph"
    for text, line in zip(quoted, [story.headline, *(b.line for b in story.bullets)], strict=True):
        assert text.startswith("\u200f") and text[1:].replace("\\", "") == line.ar
        assert not any(ref.name in text for ref in story.sources if ref.name not in line.ar)
    html = MarkdownIt("commonmark").render(markdown)
    assert "<p>— الأناضول</p>" in html, "the outlet is a paragraph of its own"


def test_one_flag_style_the_note_follows_the_english_line_in_every_format():
    files = rendered()
    feed = feedparser.parse(render.render_site([summit_issue()], render.environment())["feed.xml"])
    english = "Steve Witkoff on the American side."
    arabic = "ستيف ويتكوف."
    for name, text in [*files.items(), ("feed", feed.entries[0].content[0].value)]:
        shown = readable(text, ".html" if name != "digest.md" and name != "digest.txt" else name)
        note = shown.lower().index("check the translation:")
        assert shown.index(english) < note < shown.index(arabic), name
    for html in (files["index.html"], feed.entries[0].content[0].value):
        strong = [s.text for s in parse(html).find_all("strong")]
        assert any("Check the translation" in s for s in strong), "bold text, not colour alone"
    (contents,) = parse(files["index.html"]).find_all("nav")
    assert [s.text for s in contents.find_all("strong")] == ["(check the translation)"]
    assert (
        "1. Trump says he made great progress in his meeting with Putin **(check the"
        in (files["digest.md"])
    )
    assert (
        "1. Trump says he made great progress in his meeting with Putin [CHECK THE"
        in (files["digest.txt"])
    )


def test_arabic_blocks_of_the_contents_archive_and_preheader_are_right_to_left():
    issue = arabic_only(summit_issue())
    env = render.environment()
    pages = [
        render.render(issue, env)["index.html"],
        render.render_site([issue], env)["index.html"],
    ]
    for html in pages:
        page = parse(html)
        blocks = [
            e
            for tag in ("li", "p", "div")
            for e in page.find_all(tag)
            if (render.script(e.text) == "arabic" and e.attrs.get("class") != "via")
            or e.attrs.get("class") == "preheader"
        ]
        assert blocks
        for block in blocks:
            style = block.attrs.get("style", "").replace(" ", "")
            assert (block.attrs.get("lang"), block.attrs.get("dir")) == ("ar", "rtl"), block
            assert "direction:rtl" in style and "text-align:right" in style, block
            assert "NotoNaskhArabic" in style, "the Arabic font stack on the block itself"
        (link,) = page.find_all("nav")[0].find_all("a")
        assert "text-underline-offset" in link.attrs["style"]


def test_masthead_has_the_long_date_and_a_reading_key_and_headings_are_in_order():
    for issue in (summit_issue(), arabic_only(summit_issue())):
        page = parse(rendered(issue)["index.html"])
        (header,) = page.find_all("header")
        assert "Saturday 16 August 2025" in header.text
        (key,) = [p for p in header.find_all("p") if p.attrs.get("class") == "key"]
        assert ("machine translation" in key.text) == (issue.signature.model is not None)
        levels = [int(tag[1]) for tag in re.findall(r"<(h[1-6])\b", rendered(issue)["index.html"])]
        assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))
    assert render.long_date(dt.date(2026, 3, 3)) == "Tuesday 3 March 2026"


def test_the_signature_wraps_at_its_separators():
    html = rendered()["index.html"]
    (signature,) = [p for p in parse(html).find_all("p") if p.attrs.get("class") == "signature"]
    assert signature.text == str(summit_issue().signature)
    assert signature.text.count("|") == len(signature.find_all("wbr"))
    assert declarations(signature.attrs["style"])["overflow-wrap"] == "anywhere"
    assert "break-all" not in html


def test_a_ten_story_issue_page_and_mail_stay_under_gmails_clipping_size():
    issue = ten_story_issue()
    env = render.environment()
    page = render.render(issue, env, "https://example.org/digest/")["index.html"]
    footer = render.Footer("You receive this because you subscribed.", "https://example.org/u?e=x")
    links = render.site_links(issue.date, "https://example.org/digest/", mailed=True)
    _, mailed = render.render_mail(issue, env, links, footer)
    assert len(parse(page).find_all("article")) == 10
    for html in (page, mailed):
        assert len(html.encode("utf-8")) < 102 * 1024, len(html.encode("utf-8"))


@pytest.mark.parametrize(
    ("site_url", "mailed", "expected"),
    [
        (None, False, render.Links(None, "../index.html", "../index.html#archive", "index.html")),
        (None, True, render.Links()),
        (
            "https://example.org/digest",
            True,
            render.Links(
                "https://example.org/digest/2025-08-16/index.html",
                "https://example.org/digest/index.html",
                "https://example.org/digest/index.html#archive",
                "https://example.org/digest/2025-08-16/index.html",
            ),
        ),
    ],
)
def test_site_links(site_url, mailed, expected):
    assert render.site_links(dt.date(2025, 8, 16), site_url, mailed) == expected


def test_with_site_url_the_issue_page_links_the_site_absolutely():
    files = render.render(summit_issue(), render.environment(), "https://example.org/digest/")
    hrefs = [a.attrs["href"] for a in parse(files["index.html"]).find_all("a")]
    assert "https://example.org/digest/index.html" in hrefs and "../index.html" not in hrefs
    assert "All issues: https://example.org/digest/index.html" in files["digest.txt"]
    assert "All issues" not in rendered()["digest.txt"], "no relative link in plain text"


def test_style_attributes_are_written_without_spaces_a_mail_would_pay_for():
    """Gmail clips a message past 102 KB of HTML; the spaces of every inlined declaration are
    about 2% of a mailed issue."""
    html = rendered()["index.html"]
    styles = re.findall(r' style="([^"]*)"', html)
    assert styles and not [s for s in styles if re.search(r":\s|;\s", s)]
