"""Ranking as an editor would, and the cut: full stories, "Also reported", the rest on the site.

The builds read a real day: every article that five pan-Arab outlets published on 12 and 13
March 2018 (../shared/data/news/ant-2018-03.jsonl), a few hundred stories."""

import datetime as dt
import json
import os
import re
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from digest import configfile, pipeline
from digest.mail import compose
from digest.news import ALSO_REPORTED, FULL, SITE_ONLY, Article, Story
from digest.pipeline import build
from digest.publish import archive, render, site
from digest.settings import MailSettings, Recipient, build_settings, resolve
from digest.state.store import Store
from digest.stories import ranking, sections
from tests.conftest import SHARED_DATA
from tests.mailserver import smtp_server, write_config
from tests.pages import cut_issue, parse

DATA = SHARED_DATA / "news" / "ant-2018-03.jsonl"
DAY = ("2018-03-12", "2018-03-13")
SITE = "https://example.org/digest/"


@pytest.fixture(scope="module")
def day(tmp_path_factory) -> Path:
    lines = [
        line
        for line in DATA.read_text(encoding="utf-8").splitlines()
        if json.loads(line)["published"] in DAY
    ]
    path = tmp_path_factory.mktemp("day") / "day.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def built(day, tmp_path_factory):
    """The real day with a small cut: 5 full stories, 6 also reported, sport capped at 2."""
    out = tmp_path_factory.mktemp("site")
    settings = build_settings(
        [day],
        out=out,
        translate=False,
        search=False,
        stories=5,
        also_reported=6,
        sections=["world+middle-east+economy+technology+other", "culture", "sport:2"],
    )
    return build(settings, Store(tmp_path_factory.mktemp("state") / "s.sqlite3"))


def story(name, *articles):
    return Story(
        tuple(
            Article(
                id=f"{name}{number}",
                origin=f"{name}{number}",
                paragraphs=("نص",),
                source=source,
                section=section,
                published=dt.date(2018, 3, day),
            )
            for number, (source, section, day) in enumerate(articles)
        )
    )


ATTACK = story("attack", ("A", "world", 13), ("B", "world", 13), ("C", "middle-east", 12))
DERBY = story(
    "derby",
    ("A", "sport", 13),
    ("B", "sport", 13),
    ("C", "sport", 13),
    ("D", None, 13),
    ("E", "sport", 13),
)
MARKETS = story("markets", ("A", "economy", 13), ("A", "economy", 13), ("B", None, 13))
TALKS = story("talks", ("A", "middle-east", 13), ("B", "middle-east", 12))
OLDER = story("older", ("A", "world", 11), ("B", "world", 11))
FILM = story("film", ("A", "culture", 13), ("B", "culture", 13), ("C", "culture", 13))
RUMOUR = story("rumour", ("A", None, 13))
GOAL = story("goal", ("A", "sport", 13))
ALL = [RUMOUR, GOAL, FILM, OLDER, TALKS, MARKETS, DERBY, ATTACK]


@pytest.mark.parametrize(
    ("sections", "expected"),
    [
        # The default: news (all news sections and unknown ones together) by outlets, then
        # articles, then the newest; culture next; sport last however many outlets carry it.
        (
            ranking.DEFAULT_SECTIONS,
            [ATTACK, MARKETS, TALKS, OLDER, RUMOUR, FILM, DERBY, GOAL],
        ),
        # One band: outlets decide; a tie on outlets, articles and date goes by the order the
        # sections are listed in.
        (
            ["sport+middle-east+world+economy+culture+other"],
            [DERBY, ATTACK, FILM, MARKETS, TALKS, OLDER, GOAL, RUMOUR],
        ),
        # The region first, then the world; sections not named come last (the site keeps them).
        (
            ["middle-east", "world", "sport:1"],
            [TALKS, ATTACK, OLDER, DERBY, GOAL, FILM, MARKETS, RUMOUR],
        ),
    ],
)
def test_ranking(sections, expected):
    ranked = pipeline.by_reach(ALL, ranking.parse(sections))
    assert [s.articles[0].id for s in ranked] == [s.articles[0].id for s in expected]


def test_by_reach_keeps_its_signature_for_the_evaluation():
    assert pipeline.by_reach(ALL) == pipeline.by_reach(ALL, ranking.DEFAULT_PLAN)


@pytest.mark.parametrize(
    ("sections", "stories", "also", "expected"),
    [
        (
            ranking.DEFAULT_SECTIONS,
            12,
            30,
            [(s, FULL) for s in (ATTACK, MARKETS, TALKS, OLDER, RUMOUR, FILM, DERBY, GOAL)],
        ),
        # Reach chooses: the derby (five outlets, counted as two beside the news: sport is a
        # later band, and a match counts one fewer again) and the attack (three) are told in
        # full, the derby's five reports beating the markets' three; then each place is ordered by
        # band, so the derby comes after the news.
        (
            ranking.DEFAULT_SECTIONS,
            2,
            3,
            [
                (ATTACK, FULL),
                (DERBY, FULL),
                (MARKETS, ALSO_REPORTED),
                (TALKS, ALSO_REPORTED),
                (FILM, ALSO_REPORTED),
                (OLDER, SITE_ONLY),
                (RUMOUR, SITE_ONLY),
                (GOAL, SITE_ONLY),
            ],
        ),
        # The film's three outlets count as two beside the news (culture is a later band), and
        # its tie with the markets (two outlets, three articles) goes to the band listed first.
        (
            ranking.DEFAULT_SECTIONS,
            3,
            0,
            [(s, FULL) for s in (ATTACK, MARKETS, DERBY)]
            + [(s, SITE_ONLY) for s in (TALKS, OLDER, RUMOUR, FILM, GOAL)],
        ),
        # At most one sport story: the derby is kept, the goal goes to the site whatever its
        # reach; culture and the unknown section are not named, so they stay on the site too.
        (
            ["middle-east", "world", "sport:1"],
            2,
            30,
            [
                (ATTACK, FULL),
                (DERBY, FULL),
                (TALKS, ALSO_REPORTED),
                (OLDER, ALSO_REPORTED),
                (GOAL, SITE_ONLY),
                (FILM, SITE_ONLY),
                (MARKETS, SITE_ONLY),
                (RUMOUR, SITE_ONLY),
            ],
        ),
    ],
)
def test_places(sections, stories, also, expected):
    found = ranking.rank(ALL, ranking.parse(sections), stories, also)
    assert [(s.articles[0].id, place) for s, place in found] == [
        (s.articles[0].id, place) for s, place in expected
    ]


def test_each_band_counts_one_outlet_fewer_than_the_band_before_it():
    """Culture is the default's second band: a film that four outlets reviewed counts as three
    beside the news, so three outlets' reports of talks do not take the one full place from it
    (a tie on outlets goes to the more articles). A band never counts more than two outlets
    fewer, however many bands come before it: the film of five listed sixth still takes it."""

    def told(name, section, outlets):
        return story(name, *((outlet, section, 13) for outlet in outlets))

    talks = told("talks", "middle-east", "ABC")
    film = told("film", "culture", "ABCD")
    plan = ranking.DEFAULT_PLAN
    assert ranking.rank([film, talks], plan, 1, 0) == [(film, FULL), (talks, SITE_ONLY)]
    assert ranking.rank(
        [film, talks], ranking.parse(["middle-east", "sport", "culture"]), 1, 0
    ) == [
        (talks, FULL),
        (film, SITE_ONLY),
    ]
    six = ranking.parse(["middle-east", "world", "economy", "technology", "sport", "culture:3"])
    big_film = told("big", "culture", "ABCDE")
    assert ranking.rank([big_film, talks], six, 1, 0)[0] == (big_film, FULL), "two fewer at most"


def test_a_match_counts_one_outlet_fewer_again_wherever_sport_stands():
    """Every outlet's sports desk reports the same fixtures. With the default a derby four
    outlets covered counts as one for the full places, so two outlets' reports of talks take the
    full place; one all five covered counts as two and takes it back on its reports. Listed with
    the news in one band, a match three outlets covered still counts as two: two outlets' four
    reports of the talks take the place from its three. A line of "Also reported" is handed out
    without that: the derby of four, counting as two there, takes the one line from the talks."""

    def told(name, section, outlets):
        return story(name, *((outlet, section, 13) for outlet in outlets))

    talks = told("talks", "middle-east", "AB")
    derby = told("derby", "sport", "ABCD")
    big_derby = told("big", "sport", "ABCDE")
    plan = ranking.DEFAULT_PLAN
    assert ranking.rank([derby, talks], plan, 1, 0) == [(talks, FULL), (derby, SITE_ONLY)]
    assert ranking.rank([big_derby, talks], plan, 1, 0) == [(big_derby, FULL), (talks, SITE_ONLY)]
    assert ranking.rank([derby, talks], plan, 0, 1) == [(derby, ALSO_REPORTED), (talks, SITE_ONLY)]
    assert ranking.rank([derby, talks], plan, 1, 1) == [(talks, FULL), (derby, ALSO_REPORTED)]
    one_band = ranking.parse(["sport+middle-east"])
    match = told("match", "sport", "ABC")
    long_talks = told("long", "middle-east", "ABAB")
    assert ranking.rank([match, long_talks], one_band, 1, 0) == [
        (long_talks, FULL),
        (match, SITE_ONLY),
    ]


def test_a_busy_first_band_does_not_starve_the_next():
    """Forty one-outlet Middle East stories and one world event told by three outlets: the
    world event is in the issue in full, after the region's stories, as the setting orders."""
    minor = [story(f"m{n}", ("A", "middle-east", 13)) for n in range(40)]
    found = ranking.rank([*minor, ATTACK], ranking.parse(["middle-east", "world"]), 3, 5)
    full = [s for s, place in found if place == FULL]
    assert ATTACK in full and full[-1] == ATTACK


@pytest.mark.real_data("news")
def test_the_issue_data_carries_each_storys_section_and_place(built):
    issue = archive.read(built.folder).issue
    assert issue == built.issue
    places = [s.place for s in issue.stories]
    assert places.count(FULL) == 5 and places.count(ALSO_REPORTED) == 6
    assert places.count(SITE_ONLY) == len(issue.stories) - 11 > 100
    assert sum(s.section == "sport" and s.place != SITE_ONLY for s in issue.stories) <= 2
    assert all(s.section for s in issue.stories), "every ANT article has a category"
    assert all(s.bullets for s in issue.full)
    assert not any(s.bullets for s in issue.stories if s.place != FULL)
    # The day's most widely covered event leads: the attack on the Palestinian prime minister's
    # convoy in Gaza, reported by all five outlets.
    lead = issue.full[0]
    # The Skripal poisoning: five outlets and the most reports once its reactions join it.
    assert "تسميم الجاسوس الروسي" in lead.headline.ar and lead.outlet_count == 5
    assert lead.section == "world"


@pytest.mark.real_data("news")
def test_an_issue_json_from_before_sections_has_every_story_in_full(built):
    data = json.loads((built.folder / "issue.json").read_text(encoding="utf-8"))
    for item in data["issue"]["stories"]:
        del item["section"], item["place"]
    old = archive.issue_from_json(json.dumps(data))
    assert len(old.full) == len(old.stories) and not old.also_reported
    assert all(s.section is None for s in old.stories)


@pytest.mark.real_data("news")
def test_the_markdown_and_text_carry_the_cut_with_sections(built):
    issue = built.issue
    markdown = (built.folder / "digest.md").read_text(encoding="utf-8")
    rest = issue.site_only_count
    assert f"5 stories · 6 also reported · {rest} more on the site" in markdown
    tokens = MarkdownIt().parse(markdown)
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert [h for h in headings if re.match(r"\d+\. ", h)] == [
        f"{n}. _[not translated]_" for n in range(1, 6)
    ]
    assert "Also reported" in headings
    labels = {"World", "Middle East", "Economy", "Technology", "Culture", "Sport"}
    groups = [h for h in headings if h in labels]
    assert groups == list(dict.fromkeys(groups)), "each section is one group"
    for story in issue.full:
        quote = markdown.index(f"> \u200f{render.markdown_escape(story.headline.ar)}\n")
        assert f"_{sections.label(story.section)}_" in markdown[quote - 40 : quote]
    also = [s for _, group in issue.also_reported for s in group]
    assert len(also) == 6 and markdown.count("\n- \u200f") == 6
    for item in also:
        assert f"- \u200f{render.markdown_escape(item.headline.ar)}\n" in markdown
        assert f"(<index.html#{item.id}>)" in markdown
    assert f"And {rest} more stories [on the site](<index.html#more-stories>)." in markdown

    text = (built.folder / "digest.txt").read_text(encoding="utf-8")
    assert f"5 stories · 6 also reported · {rest} more on the site" in text
    assert "ALSO REPORTED" in text and f"And {rest} more stories on the site." in text
    assert "index.html#" not in text, "a text file has no relative links"
    for story in issue.full:
        assert f"{sections.label(story.section).upper()}\n" in text


@pytest.mark.real_data("news")
def test_the_site_page_lists_every_story_and_the_feed_the_full_ones(built):
    issue = built.issue
    page = parse((built.folder / "index.html").read_text(encoding="utf-8"))
    assert [a.attrs["id"] for a in page.find_all("article")] == [s.id for s in issue.full]
    listed = {li.attrs["id"] for li in page.find_all("li") if li.attrs.get("id")}
    assert listed == {s.id for s in issue.stories if s.place != FULL}
    (more,) = [h for h in page.find_all("h2") if h.attrs.get("id") == "more-stories"]
    assert more.text == f"{issue.site_only_count} more stories"
    (section,) = [s for s in page.find_all("section") if more in s.children]
    assert "Arabic headlines, not translated" in section.text
    feed = (built.folder.parent / "feed.xml").read_text(encoding="utf-8")
    for story in issue.stories:
        assert (f'id="{story.id}"' in feed or f"id=&#34;{story.id}&#34;" in feed) == (
            story.place == FULL
        )


@pytest.mark.real_data("news")
def test_the_mail_carries_the_cut_and_links_each_story_to_the_site(built):
    issue = built.issue
    links = render.site_links(issue.date, SITE, mailed=True)
    footer = render.Footer("You receive this because you subscribed.", "https://example.org/u")
    text, html = render.render_mail(issue, render.environment(), links, footer)
    page = parse(html)
    assert len(page.find_all("article")) == 5
    hrefs = [a.attrs["href"] for a in page.find_all("a")]
    also = [s for _, group in issue.also_reported for s in group]
    for item in also:
        assert f"{SITE}2018-03-13/index.html#{item.id}" in hrefs
        assert f"{SITE}2018-03-13/index.html#{item.id}" in text
    assert f"{SITE}2018-03-13/index.html#more-stories" in hrefs
    assert not [h for h in page.find_all("h2") if h.attrs.get("id") == "more-stories"]
    assert f"And {issue.site_only_count} more stories on the site:" in text


@pytest.mark.real_data("news")
def test_translation_follows_what_is_shown(day, tmp_path, tiny_marian, store, monkeypatch):
    """Full stories: headline and bullets; also reported: the headline; the rest: nothing."""
    sent: list[str] = []
    load = pipeline.load_translator

    def counting(*args, **kwargs):
        translator = load(*args, **kwargs)

        class Counting:
            backend = translator.backend

            def translate(self, lines):
                sent.extend(lines)
                return translator.translate(lines)

        return Counting()

    monkeypatch.setattr(pipeline, "load_translator", counting)
    settings = build_settings(
        [day], out=tmp_path, model_dir=tiny_marian, search=False, stories=3, also_reported=4
    )
    issue = build(settings, store).issue
    shown = [
        line.ar
        for story in issue.stories
        for line in (
            (story.headline, *(b.line for b in story.bullets))
            if story.place == FULL
            else (story.headline,)
            if story.place == ALSO_REPORTED
            else ()
        )
    ]
    # A full story has its headline and at most bullets + 2 bullets (a big multi-outlet story).
    assert sorted(sent) == sorted(set(shown)) and len(sent) <= 3 * (1 + settings.bullets + 2) + 4
    assert len(issue.stories) > 150
    assert all(s.headline.en is None for s in issue.stories if s.place == SITE_ONLY)
    assert all(s.headline.en is not None for s in issue.stories if s.place != SITE_ONLY)


def test_a_cut_that_holds_every_story_reads_as_before(tmp_path, store):
    from tests.conftest import SEEDS

    result = build(build_settings([SEEDS], out=tmp_path, translate=False), store)
    markdown = (result.folder / "digest.md").read_text(encoding="utf-8")
    assert "· 1 story\n" in markdown and "Also reported" not in markdown
    assert "more stories" not in markdown
    assert [s.place for s in result.issue.stories] == [FULL]


@pytest.mark.parametrize("count", [20, 260])
def test_the_mail_of_a_big_day_stays_under_gmails_clipping_size(tmp_path, count):
    """Gmail clips an HTML part past 102 KB: a 20-story issue and a day of 260 mail the cut."""
    out = tmp_path / "site"
    issue = cut_issue(count)
    site.publish(out, issue, render.environment(), SITE)
    page = (out / "2018-03-13" / "index.html").read_text(encoding="utf-8")
    assert len(parse(page).find_all("article")) == 12
    with smtp_server() as (server, box):
        path = write_config(
            tmp_path / "digest.toml",
            {"out": str(out), "site_url": SITE},
            {
                "host": "127.0.0.1",
                "port": server.port,
                "security": "none",
                "from": "digest@example.org",
                "recipients": ["a@example.org"],
                "unsubscribe_url": "https://example.org/unsubscribe?email={email}",
                "timeout": 10,
            },
        )
        loaded = resolve({}, os.environ, configfile.read(path))
        built = archive.read(archive.find(out, None))
        report = compose.send_issue(
            compose.mailing(built, loaded.mail, loaded.build), Store(loaded.state)
        )
    assert report.complete
    (received,) = box.received
    _, rich = received.message.iter_parts()
    html = rich.get_content()
    size = len(html.encode("utf-8"))
    assert size < 102 * 1024, size
    mailed = parse(html)
    assert len(mailed.find_all("article")) == 12
    assert html.count('class="briefs"') >= 1
    assert ("more stories" in html) == (count > 42)


def test_a_mail_over_the_budget_tells_fewer_stories_in_full_and_says_so(monkeypatch, caplog):
    """However long the bullets, the mailed HTML stays within the budget: the last full stories
    become one line each, none is lost, and the sender is told."""
    issue = cut_issue(20)
    mail = compose.Mailing(
        archive.BuiltIssue(issue, Path("unused")),
        MailSettings(sender="digest@example.org"),
        render.environment(),
        SITE,
    )
    recipient = Recipient("a@example.org")
    _, whole = compose.bodies(mail, recipient)
    budget = compose.mailed_size(whole) * 3 // 4
    monkeypatch.setattr(compose, "MAIL_HTML_BUDGET", budget)
    text, html = compose.bodies(mail, recipient)
    assert compose.mailed_size(html) <= budget
    mailed = parse(html)
    told = len(mailed.find_all("article"))
    assert 1 <= told < len(issue.full)
    shown = [s.headline.en or s.headline.ar for s in issue.stories if s.place != SITE_ONLY]
    assert all(headline in html and headline in text for headline in shown)
    assert f"tells {told} of the issue's {len(issue.full)} full stories" in caplog.text


def test_a_story_the_mail_tells_in_one_line_joins_its_sections_list():
    """The section lists keep the ranking's order: a sport story moved out of the full ones goes
    first among the sport lines, not ahead of the news."""
    issue = cut_issue(20)
    full = issue.full
    moved = compose.one_fewer_in_full(issue)
    assert moved.full == full[:-1]
    sections = [name for name, _ in moved.also_reported]
    assert sections == [name for name, _ in issue.also_reported]
    ((_, group),) = [(n, g) for n, g in moved.also_reported if n == full[-1].section]
    assert group[0].headline == full[-1].headline
