"""Full-text search: the Pagefind index of a real three-issue site, searched in headless Chromium.

The site holds the seeds (2025-08-16), the three real pages in ../shared/data/html (2025-08-20)
and twelve NTREX documents given as JSON lines (2025-09-01) with their human English. It is
served on 127.0.0.1 as any static host would serve it, and searched through search.html.
"""

import dataclasses
import datetime as dt
import re
import subprocess
import sys
from urllib.parse import urlsplit

import pytest

from digest import news
from digest.pipeline import build
from digest.publish import archive, render, search, site
from digest.settings import build_settings
from digest.state.store import Store
from tests.conftest import ROOT, SEEDS, SHARED_DATA
from tests.search_sites import ntrex_documents, serve, with_english, write_jsonl
from tests.test_browser import Visit, assert_not_blank, browser  # noqa: F401


@pytest.fixture(scope="module")
def searchable_site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    work = tmp_path_factory.mktemp("sources")
    store = Store(tmp_path_factory.mktemp("state") / "digest.sqlite3")
    build(build_settings([SEEDS], out=out, translate=False, search=False), store)
    build(
        build_settings(
            [str(SHARED_DATA / "html")],
            out=out,
            translate=False,
            search=False,
            date=dt.date(2025, 8, 20),
        ),
        store,
    )
    documents = ntrex_documents()[:12]
    jsonl = write_jsonl(work / "ntrex.jsonl", documents, "2025-09-01")
    build(build_settings([str(jsonl)], out=out, translate=False, search=False), store)
    newest = archive.read_archive(out)[0]
    published = site.publish(
        out, with_english(newest, documents), render.environment(), search=True
    )
    assert published.search_error is None
    return out


def stories(out):
    """Every story on disk by its URL, as the index records it."""
    return {
        f"{issue.date.isoformat()}/index.html#{story.id}": (issue, story)
        for issue in archive.read_archive(out)
        for story in issue.stories
    }


def urls_where(out, test):
    return {url for url, (issue, story) in stories(out).items() if test(issue, story)}


def english_text(story):
    return " ".join(line.en or "" for line in [story.headline, *(b.line for b in story.bullets)])


def arabic_text(story):
    return " ".join(line.ar for line in [story.headline, *(b.line for b in story.bullets)])


@pytest.fixture(scope="module")
def search_page(browser, searchable_site):  # noqa: F811
    with serve(searchable_site) as root:
        visit = Visit(browser, root + "search.html")
        yield root, visit
        assert visit.errors == []
        assert visit.outside() == []
        visit.page.close()


def search_for(visit, root, query="", outlet="", since="", until=""):
    """Fill in and submit the form as a reader would; the result links, by site-relative URL."""
    page = visit.page
    page.fill("#q", query)
    page.select_option("#outlet", outlet)
    page.fill("#from", since)
    page.fill("#to", until)
    page.click("form.search button")
    page.wait_for_function(
        "document.getElementById('status').textContent.match(/stor(y|ies)/)", timeout=10000
    )
    links = page.eval_on_selector_all("#results a.result-title", "as => as.map(a => a.href)")
    return [link.removeprefix(root) for link in links]


@pytest.mark.real_data("ntrex", "html")
def test_an_arabic_word_finds_its_stories_across_issues(search_page, searchable_site):
    root, visit = search_page
    found = search_for(visit, root, "ترامب")
    expected = urls_where(searchable_site, lambda _, story: "ترامب" in arabic_text(story))
    assert {"2025-08-16", "2025-08-20"} <= {u.split("/")[0] for u in expected}
    assert set(found) == expected
    snippets = visit.page.eval_on_selector_all(
        "#results .snippet mark", "ms => ms.map(m => m.textContent)"
    )
    assert snippets and all("ترامب" in mark for mark in snippets)


@pytest.mark.real_data("ntrex", "html")
def test_the_definite_article_and_spelling_variants_do_not_hide_a_story(
    search_page, searchable_site
):
    root, visit = search_page
    (rockets,) = urls_where(searchable_site, lambda _, story: "للصواريخ" in arabic_text(story))
    assert search_for(visit, root, "الصواريخ") == [rockets]
    assert search_for(visit, root, "صواريخ") == [rockets]
    (tsunami,) = urls_where(
        searchable_site, lambda _, story: "ارتفاع عدد الوفيات" in story.headline.ar
    )
    assert tsunami in search_for(visit, root, "الوفَيَات")


@pytest.mark.real_data("ntrex", "html")
def test_an_english_word_finds_its_stories_and_a_click_opens_the_story(
    search_page, searchable_site
):
    root, visit = search_page
    found = search_for(visit, root, "parliament")
    expected = urls_where(
        searchable_site, lambda _, story: "parliament" in english_text(story).lower()
    )
    assert len(expected) == 2 and set(found) == expected
    assert visit.page.inner_text("#results .result-title >> nth=0") in {
        story.headline.en for url, (_, story) in stories(searchable_site).items() if url in expected
    }
    assert_not_blank(visit.screenshot("search.png"))

    target = found[0]
    visit.page.click("#results a.result-title >> nth=0")
    visit.page.wait_for_load_state("load")
    assert visit.page.url == root + target
    anchor = target.split("#")[1]
    assert visit.page.evaluate(
        f"(() => {{ const r = document.getElementById('{anchor}').getBoundingClientRect();"
        " return r.top >= -1 && r.top < window.innerHeight; })()"
    ), "the story is scrolled into view"
    assert "parliament" in visit.page.inner_text(f"#{anchor}").lower()
    visit.page.go_back()
    visit.page.wait_for_load_state("load")


@pytest.mark.real_data("ntrex", "html")
def test_filters_by_outlet_and_date_range(search_page, searchable_site):
    root, visit = search_page
    by_nytimes = urls_where(
        searchable_site, lambda _, story: "nytimes" in {ref.name for ref in story.sources}
    )
    assert len(by_nytimes) == 2
    assert set(search_for(visit, root, outlet="nytimes")) == by_nytimes
    tsunami_nytimes = search_for(visit, root, "tsunami", outlet="nytimes")
    assert len(tsunami_nytimes) == 1 and tsunami_nytimes[0] in by_nytimes

    in_august_20 = urls_where(searchable_site, lambda issue, _: issue.date == dt.date(2025, 8, 20))
    assert set(search_for(visit, root, since="2025-08-17", until="2025-08-31")) == in_august_20
    assert search_for(visit, root, "tsunami", since="2025-08-01", until="2025-08-31") == []
    assert visit.page.inner_text("#status") == "0 stories"


@pytest.mark.real_data("ntrex", "html")
def test_the_query_is_folded_in_the_browser_as_the_index_was(search_page, searchable_site):
    _, visit = search_page
    texts = [arabic_text(story) for _, story in stories(searchable_site).values()]
    texts += ["مُفَاوَضَاتٌ والمفاوضات بالمفاوضات للغاية القمة إسرائيل آلاف مستشفى", "الى ال الي"]
    folded = visit.page.evaluate(
        "async texts => { const m = await import('./assets/search.js');"
        " return texts.map(m.fold); }",
        texts,
    )
    assert folded == [search.fold(text) for text in texts]


@pytest.mark.real_data("ntrex", "html")
def test_the_index_page_has_a_search_form_and_no_script(browser, searchable_site):  # noqa: F811
    with serve(searchable_site) as root:
        visit = Visit(browser, root + "index.html")
        assert visit.page.locator("script").count() == 0
        visit.page.fill("#q", "parliament")
        visit.page.press("#q", "Enter")
        visit.page.wait_for_function(
            "document.getElementById('status')?.textContent.match(/stories/)"
        )
        assert urlsplit(visit.page.url).path == "/search.html"
        assert visit.page.locator("#results li").count() == 2
        assert visit.errors == [] and visit.outside() == []
        visit.page.close()


@pytest.mark.real_data("ntrex", "html")
def test_without_javascript_the_pages_say_search_needs_it(browser, searchable_site):  # noqa: F811
    visit = Visit(browser, "")
    cdp = browser.new_cdp_session(visit.page)
    cdp.send("Emulation.setScriptExecutionDisabled", {"value": True})
    visit.page.goto((searchable_site / "search.html").as_uri())
    assert "needs JavaScript" in visit.page.inner_text("form.search")
    assert visit.page.inner_text("#status") == ""
    visit.page.goto((searchable_site / "index.html").as_uri())
    assert "needs JavaScript" in visit.page.inner_text("form.search")
    assert visit.page.locator(".archive > li").count() == 3
    visit.page.close()


def cli_build(out, *args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "digest", "build", str(SEEDS), "--no-translate", "--out", str(out)]
        + list(args),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env=env,
    )


@pytest.mark.parametrize("how", ["option", "config"])
def test_no_search_writes_no_index_and_no_search_page(tmp_path, how):
    out = tmp_path / "site"
    if how == "option":
        result = cli_build(out, "--no-search")
    else:
        (tmp_path / "digest.toml").write_text("search = false\n", encoding="utf-8")
        result = cli_build(out, "--config", str(tmp_path / "digest.toml"))
    assert result.returncode == 0, result.stderr
    assert (out / "2025-08-16" / "index.html").is_file()
    assert not (out / "pagefind").exists() and not (out / "search.html").exists()
    assert 'action="search.html"' not in (out / "index.html").read_text()


@pytest.mark.parametrize("binary", ["missing", "failing"])
def test_a_missing_or_failing_pagefind_is_one_warning_and_the_site_stands(tmp_path, binary):
    import os

    fake = tmp_path / "pagefind"
    if binary == "failing":
        fake.write_text("#!/bin/sh\necho 'pagefind: out of cheese' >&2\nexit 3\n")
        fake.chmod(0o755)
    env = {**os.environ, "PAGEFIND_BINARY_PATH": str(fake)}
    out = tmp_path / "site"
    result = cli_build(out, env=env)
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "search index not built" in line]
    assert len(warnings) == 1 and warnings[0].startswith("warning: search index not built: ")
    assert (out / "2025-08-16" / "index.html").is_file() and (out / "index.html").is_file()
    assert not (out / "pagefind").exists()
    assert not [p for p in out.iterdir() if p.name.startswith(".")], "no staging left behind"

    strict = cli_build(out, "--strict", env=env)
    assert strict.returncode == 1
    assert "search index not built" in strict.stderr


def test_strict_fails_a_written_build_whose_index_failed_and_only_then(tmp_path, monkeypatch):
    """The --strict policy is the build's own answer (BuildResult.failed), tested without a CLI."""
    fake = tmp_path / "pagefind"
    fake.write_text("#!/bin/sh\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(fake))
    store = Store(tmp_path / "digest.sqlite3")
    results = {
        strict: build(
            build_settings([SEEDS], out=tmp_path / str(strict), translate=False, strict=strict),
            store,
        )
        for strict in (False, True)
    }
    assert all(result.search_error for result in results.values())
    assert (tmp_path / "True" / "2025-08-16" / "index.html").is_file()
    assert [results[False].failed, results[True].failed] == [False, True]
    unsearched = build_settings(
        [SEEDS], out=tmp_path / "off", translate=False, strict=True, search=False
    )
    assert not build(unsearched, store).failed


def test_a_stale_or_missing_index_is_rebuilt_from_the_issues_on_disk(tmp_path):
    assert cli_build(tmp_path, "--date", "2025-08-15").returncode == 0
    entry = tmp_path / "pagefind" / "ar" / "pagefind-entry.json"
    assert '"page_count":1' in entry.read_text()
    assert not (tmp_path / "pagefind" / "en").exists(), "no English bundle for an untranslated site"
    (tmp_path / "pagefind" / "ar" / "pagefind.js").unlink()
    assert cli_build(tmp_path, "--date", "2025-08-16").returncode == 0
    assert '"page_count":2' in entry.read_text()
    assert (tmp_path / "pagefind" / "ar" / "pagefind.js").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "no staging left behind"


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("", ""),
        ("المفاوضات", "مفاوضات"),
        ("والمفاوضات بالمفاوضات للمفاوضات", "مفاوضات مفاوضات مفاوضات"),
        ("مُفَاوَضَاتٌ", "مفاوضات"),
        ("مفاوضـــات", "مفاوضات"),
        ("إسرائيل أنقرة آلاف", "اسرائيل انقره الاف"),
        ("مستشفى", "مستشفي"),
        ("الى ال", "الي ال"),
        ("«القمة»، 3+3", "قمه 3 3"),
        ("Trump met Putin", "Trump met Putin"),
    ],
)
def test_fold(text, folded):
    assert search.fold(text) == folded


@pytest.mark.real_data("ntrex", "html")
def test_story_records_carry_the_story_anchor_date_outlets_and_both_languages(searchable_site):
    issue = archive.read_archive(searchable_site)[0]
    story = issue.stories[0]
    arabic, english = search.story_records(issue, story)
    assert arabic.url == english.url == f"2025-09-01/index.html#{story.id}"
    assert (arabic.language, english.language) == ("ar", "en")
    # The Indonesian tsunami, told by two of the NTREX outlets: one story since issue 22.
    assert arabic.filters == {"outlet": ["euronews-en", "nytimes"], "date": ["2025-09-01"]}
    assert arabic.meta["title"] == english.meta["title"] == story.headline.en
    assert arabic.meta["text"].split("\n")[0] == story.headline.ar
    assert english.content.split("\n")[0] == story.headline.en
    assert re.fullmatch(r"s-[0-9a-f]{10}", story.id)


def test_story_ids_follow_the_articles_not_the_order(tmp_path, store):
    first = build(build_settings([SEEDS], out=tmp_path / "a", translate=False, search=False), store)
    sources = sorted(SEEDS.iterdir(), reverse=True)
    again = build(build_settings(sources, out=tmp_path / "b", translate=False, search=False), store)
    assert [s.id for s in first.issue.stories] == [s.id for s in again.issue.stories]
    story = first.issue.stories[0]
    assert story.id == news.story_id(first.article_ids)
    assert story.id != news.story_id(first.article_ids[:1])
    assert archive.issue_from_json(archive.issue_to_json(first.issue)) == first.issue


def test_an_index_built_beside_pages_that_fail_to_be_written_is_never_swapped_in(
    tmp_path, monkeypatch
):
    """Pagefind indexes while the pages are rendered; when writing them fails, the old index
    stays, listing only what is on the site, and nothing Pagefind wrote is left behind."""
    assert cli_build(tmp_path, "--date", "2025-08-15").returncode == 0
    entry = tmp_path / "pagefind" / "ar" / "pagefind-entry.json"
    before = entry.read_text()
    assert '"page_count":1' in before
    later = dataclasses.replace(archive.read_archive(tmp_path)[0], date=dt.date(2025, 8, 16))

    def full_disk(*args):
        raise site.SiteError("could not update the site index: No space left on device")

    monkeypatch.setattr(site, "write_site", full_disk)
    with pytest.raises(site.SiteError, match="No space left"):
        site.publish(tmp_path, later, render.environment(), search=True)
    assert entry.read_text() == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "no staging left behind"

    monkeypatch.undo()
    published = site.publish(tmp_path, later, render.environment(), search=True)
    assert published.search_error is None
    assert '"page_count":2' in entry.read_text()
