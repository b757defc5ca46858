"""The review page in headless Chromium (Playwright driving Debian's chromium, as
tests/test_browser.py does), served by a real `digest review` process: each change is made with
the keyboard as an editor without a mouse would, at 1280 and 390 px, and then checked in the files
on disk. Screenshots are kept in tests/artifacts/browser/ for a person to look at."""

from __future__ import annotations

import json

import httpx
import pytest
from playwright.sync_api import expect

from digest.review import edits
from tests.review_sites import EDITOR, publish_site, started, stop
from tests.test_browser import Visit, assert_not_blank, browser  # noqa: F401 (the fixture)

HOSTILE = 'Trump, Rubio and Witkoff met Putin <img src=x onerror="window.hacked=1"> <b>3+3</b>'


@pytest.fixture
def served(tmp_path):
    out = tmp_path / "site"
    folder = publish_site(out)
    process, url, match = started(out)
    yield folder, url, match[2]
    stop(process)


def opened(browser, url: str, width: int = 1280) -> Visit:  # noqa: F811
    visit = Visit(browser, "")
    visit.dialogs = []
    visit.page.on("dialog", lambda dialog: (visit.dialogs.append(dialog.message), dialog.accept()))
    visit.page.set_viewport_size({"width": width, "height": 900})
    visit.page.goto(url, wait_until="load")
    visit.page.wait_for_selector(".story")
    return visit


def saved(visit: Visit) -> None:
    expect(visit.page.locator("#status")).to_contain_text("Saved")


def issue_json(folder) -> dict:
    return json.loads((folder / "issue.json").read_text(encoding="utf-8"))["issue"]


@pytest.mark.parametrize("width", [1280, 390])
def test_edit_a_flagged_line_and_approve_with_the_keyboard_only(browser, served, width):  # noqa: F811
    folder, url, _ = served
    visit = opened(browser, url, width)
    page = visit.page
    assert page.url.endswith("/") and "token" not in page.url
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    flagged = issue_json(folder)["stories"][0]["bullets"][2]["line"]
    assert flagged["review"]

    page.keyboard.press("j")
    focused = page.evaluate("document.activeElement.closest('.line').textContent")
    assert flagged["ar"] in focused and "Check the translation" in focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.tagName") == "TEXTAREA"
    page.keyboard.press("Control+A")
    page.keyboard.type(HOSTILE)
    page.keyboard.press("Control+Enter")
    saved(visit)

    line = issue_json(folder)["stories"][0]["bullets"][2]["line"]
    assert (line["en"], line["review"]) == (HOSTILE, None)
    assert line["edit"]["machine"] == flagged["en"] and line["edit"]["by"] == EDITOR
    block = page.locator(".line.bullet").nth(2)
    assert flagged["en"] in block.inner_text(), "the machine English stays in sight"
    assert block.locator("textarea").input_value() == HOSTILE
    assert page.evaluate("window.hacked") is None
    assert page.locator("main img, main b").count() == 0
    assert "0 flagged lines" in page.inner_text("#status")
    assert "Trump, Rubio and Witkoff met Putin" in (folder / "digest.md").read_text()
    assert_not_blank(visit.screenshot(f"review-edited-{width}.png"))

    page.keyboard.press("Escape")
    page.keyboard.press("Shift+A")
    expect(page.locator("#status")).to_contain_text("approved by")
    assert visit.dialogs[-1].startswith("Approve the issue of 2025-08-16 for sending?")
    assert issue_json(folder)["approval"]["by"] == EDITOR
    assert f"|reviewed:{EDITOR}" in (folder / "digest.txt").read_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert visit.errors == [] and visit.outside() == []
    assert_not_blank(visit.screenshot(f"review-approved-{width}.png"))
    page.close()


def test_move_a_story_resolve_a_flag_and_drop_a_story_with_the_keyboard(browser, served):  # noqa: F811
    folder, url, _ = served
    visit = opened(browser, url)
    page = visit.page
    first, second = (story["id"] for story in issue_json(folder)["stories"])
    page.locator(f"#{first} button", has_text="Move down").focus()
    page.keyboard.press("Enter")
    saved(visit)
    assert [story["id"] for story in issue_json(folder)["stories"]] == [second, first]
    assert page.evaluate("document.activeElement.textContent") == "Move up", "focus follows"

    page.keyboard.press("j")
    page.keyboard.press("r")
    expect(page.locator("#status")).to_contain_text("0 flagged lines")
    resolved = issue_json(folder)["stories"][1]["bullets"][2]["line"]
    assert (
        resolved["review"] is None and resolved["edit"]["flag"] and resolved["edit"]["by"] == EDITOR
    )
    assert resolved["en"] == resolved["edit"]["machine"]

    page.locator(f"#{second} button", has_text="Drop story").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".story")).to_have_count(1)
    assert "Drop the story “Five dead in floods in Tunisia's Sfax”" in visit.dialogs[-1]
    issue = issue_json(folder)
    assert [story["id"] for story in issue["stories"]] == [first]
    assert issue["dropped"][0]["story"] == second
    assert "Sfax" not in (folder / "index.html").read_text()
    assert "Sfax" not in (folder.parent / "index.html").read_text().split("2025-03-10")[0]
    assert visit.errors == []
    page.close()


def test_an_empty_edit_and_a_stale_one_are_shown_in_the_page(browser, served):  # noqa: F811
    folder, url, token = served
    visit = opened(browser, url)
    page = visit.page
    before = (folder / "issue.json").read_text()
    box = page.locator(".line.headline textarea").first
    box.focus()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.type("   ")
    page.keyboard.press("Control+S")
    page.wait_for_selector("#error:not([hidden])")
    assert (
        page.inner_text("#error") == "an empty edit: write the English, or leave the line as it is"
    )
    assert (folder / "issue.json").read_text() == before

    origin = url.split("/?", 1)[0]
    api = httpx.Client(base_url=origin, headers={"Authorization": f"Bearer {token}"})
    issue = api.get("/api/issue").json()
    other = issue["stories"][1]["headline"]["id"]
    assert (
        api.put(
            f"/api/lines/{other}",
            json={"english": "From another window", "version": issue["version"]},
        ).status_code
        == 200
    )
    box = page.locator(".line.headline textarea").first
    box.fill("Trump hails progress with Putin")
    box.press("Control+Enter")
    expect(page.locator("#error")).to_contain_text("changed since")
    assert (
        page.locator(".line.headline textarea").first.input_value()
        == "Trump hails progress with Putin"
    )
    assert page.locator(".line.headline textarea").nth(1).input_value() == "From another window"
    assert "Trump hails" not in (folder / "digest.md").read_text()
    page.locator(".line.headline textarea").first.press("Control+Enter")
    saved(visit)
    markdown = (folder / "digest.md").read_text()
    assert "Trump hails progress with Putin" in markdown and "From another window" in markdown
    page.close()


def test_without_the_token_the_page_shows_no_issue(browser, served):  # noqa: F811
    _, url, _ = served
    visit = Visit(browser, url.split("?", 1)[0])
    expect(visit.page.locator("#error")).to_contain_text("no valid token")
    assert visit.page.locator(".story").count() == 0
    visit.page.close()


def test_an_edit_is_found_by_the_site_search(browser, tmp_path, store):  # noqa: F811
    """A save rebuilds the search index as a build does: the editor's word is found, the
    machine's replaced one is not."""
    from tests.review_sites import session
    from tests.search_sites import serve
    from tests.test_search import search_for

    folder = publish_site(tmp_path / "site", search=True)
    reviewing = session(folder, store, search=True)
    loaded = reviewing.load()
    headline = next(iter(edits.places(loaded.issue)))
    with serve(folder.parent) as root:
        visit = Visit(browser, root + "search.html")
        assert search_for(visit, root, "great") != [], "the machine headline, before the edit"
        reviewing.edit(
            loaded.version, headline, "Trump hails a breakthrough with Putin in Anchorage"
        )
        visit.page.goto(root + "search.html", wait_until="load")
        found = search_for(visit, root, "breakthrough")
        assert found == [f"2025-08-16/index.html#{loaded.issue.stories[0].id}"]
        assert search_for(visit, root, "tremendous") != []
        assert search_for(visit, root, "great") == [], "the machine headline is gone"
        assert visit.errors == []
        visit.page.close()


def test_a_suggestion_from_the_memory_is_offered_and_taken_only_when_asked(
    browser,  # noqa: F811
    served,
    store,
):
    from digest.translate import memory

    folder, url, _ = served
    headline = issue_json(folder)["stories"][1]["headline"]
    memory.remember(
        store,
        "opus-mt-tc-big-ar-en",
        headline["ar"],
        "Sfax floods: five dead",
        "Omar",
        "2026-11-30T01:00Z",
    )
    visit = opened(browser, url)
    page = visit.page
    block = page.locator(".line.headline").nth(1)
    expect(block.locator(".suggestion")).to_contain_text("Sfax floods: five dead")
    assert "Omar" in block.locator(".suggestion").inner_text()
    assert block.locator("textarea").input_value() == headline["en"], "offered, not applied"
    block.locator("button", has_text="Use suggestion").focus()
    page.keyboard.press("Enter")
    assert block.locator("textarea").input_value() == "Sfax floods: five dead"
    assert issue_json(folder)["stories"][1]["headline"]["en"] == headline["en"], "not saved yet"
    page.keyboard.press("Control+Enter")
    saved(visit)
    assert issue_json(folder)["stories"][1]["headline"]["en"] == "Sfax floods: five dead"
    expect(page.locator(".suggestion")).to_have_count(0)
    assert visit.errors == []
    page.close()


def test_the_page_says_when_the_review_deadline_has_passed(browser, tmp_path, store):  # noqa: F811
    import datetime as dt

    from digest.runs import holding
    from tests.mailserver import write_config

    out = tmp_path / "site"
    folder = publish_site(out)
    held = dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)
    holding.hold(store, dt.date(2025, 8, 16), folder, held, dt.timedelta(hours=1))
    config = write_config(
        tmp_path / "digest.toml", {"out": str(out), "review": True, "review_unapproved": "skip"}
    )
    process, url, _ = started(out, "--config", config)
    try:
        visit = opened(browser, url)
        status = visit.page.inner_text("#status")
        assert "has passed: an approval now is not sent on its own" in status
        assert "`digest send --date 2025-08-16`" in status
        visit.page.close()
    finally:
        stop(process)
