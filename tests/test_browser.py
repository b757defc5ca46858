"""A real browser, headless Chromium from Debian's `chromium` package, opens the built pages.

It checks what only a browser can: no console errors, the computed direction of every Arabic and
English block (also with the dir attributes removed, as some email clients do), a 640 px column,
that no request leaves the machine, and that the page is not blank. Screenshots are kept in
tests/artifacts/browser/ for a person to look at. CI (CI=true) fails when Chromium is missing;
elsewhere the test is skipped with the reason.
"""

import os
from dataclasses import replace
from itertools import combinations
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from digest.news import SourceRef
from digest.publish import render, site
from tests.conftest import ROOT
from tests.pages import arabic_only, cut_issue, flood_issue, summit_issue

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "tests" / "artifacts" / "browser"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DIRECTIONS = """() => [...document.querySelectorAll('[lang]')]
    .filter(e => e !== document.documentElement && getComputedStyle(e).display === 'block')
    .map(e => ({lang: e.lang, text: e.textContent.trim().slice(0, 40),
                direction: getComputedStyle(e).direction, align: getComputedStyle(e).textAlign}))"""


def unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run the browser test (.ci/run installs chromium)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is missing: apt-get install chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed: pip install -e '.[test]'")
    with sync_playwright() as playwright:
        home = tmp_path_factory.mktemp("chromium-home")
        context = playwright.chromium.launch_persistent_context(
            tmp_path_factory.mktemp("chromium-profile"),
            env={**os.environ, "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache")},
            executable_path=str(CHROMIUM),
            headless=True,
            args=FLAGS,
            viewport={"width": 1024, "height": 900},
        )
        yield context
        context.close()


@pytest.fixture(scope="module")
def two_issue_site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    env = render.environment()
    site.publish(out, flood_issue(), env)
    site.publish(out, summit_issue(), env)
    return out


class Visit:
    """One page load with every console error and every request it made."""

    def __init__(self, context, url: str):
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.blocked: list[str] = []
        self.page = context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.route("**/*", self.guard)
        if url:
            self.page.goto(url, wait_until="load")

    def guard(self, route):
        """Let local files and 127.0.0.1 through; anything else is recorded and never sent."""
        url = route.request.url
        if url.startswith("file://") or urlsplit(url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def outside(self) -> list[str]:
        """Every URL this page asked for that is neither a local file nor 127.0.0.1."""
        sent = [u for u in self.requests if not u.startswith(("file://", "about:"))]
        return sorted({*self.blocked, *(u for u in sent if urlsplit(u).hostname != "127.0.0.1")})

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / name
        self.page.screenshot(path=str(path), full_page=True)
        return path


def assert_not_blank(png: Path) -> None:
    from PIL import Image

    with Image.open(png) as image:
        grey = image.convert("L")
        histogram = grey.histogram()
        background = max(range(256), key=histogram.__getitem__)
        ink = sum(n for value, n in enumerate(histogram) if abs(value - background) > 60)
        assert grey.getextrema()[1] - grey.getextrema()[0] > 100, f"{png} has no contrast"
        assert ink / (grey.width * grey.height) > 0.005, f"{png} is blank"


def assert_directions(visit: Visit, arabic_blocks: int) -> None:
    blocks = visit.page.evaluate(DIRECTIONS)
    arabic = [b for b in blocks if b["lang"] == "ar"]
    english = [b for b in blocks if b["lang"] == "en"]
    assert len(arabic) == arabic_blocks, arabic
    assert all(b["direction"] == "rtl" and b["align"] == "right" for b in arabic), arabic
    assert english and all(b["direction"] == "ltr" for b in english), english


def test_the_guard_sees_and_stops_a_request_to_the_network(browser, tmp_path):
    page = tmp_path / "remote.html"
    page.write_text('<!DOCTYPE html><p>x</p><img src="https://example.org/pixel.png">')
    visit = Visit(browser, page.as_uri())
    assert visit.outside() == ["https://example.org/pixel.png"]
    visit.page.close()


def test_the_issue_page_in_a_browser(browser, two_issue_site):
    visit = Visit(browser, (two_issue_site / "2025-08-16" / "index.html").as_uri())
    assert visit.errors == []
    assert visit.outside() == []
    assert visit.requests == [(two_issue_site / "2025-08-16" / "index.html").as_uri()]
    assert_directions(visit, arabic_blocks=4)
    width = visit.page.evaluate("document.querySelector('.frame').getBoundingClientRect().width")
    assert 600 <= width <= 700
    assert visit.page.is_hidden(".preheader")
    assert visit.page.is_visible("text=Check the translation")
    assert_not_blank(visit.screenshot("issue.png"))

    visit.page.evaluate("document.querySelectorAll('[dir]').forEach(e => e.removeAttribute('dir'))")
    assert_directions(visit, arabic_blocks=4)
    visit.page.close()


def test_the_issue_page_fits_a_phone(browser, two_issue_site):
    visit = Visit(browser, "")
    visit.page.set_viewport_size({"width": 375, "height": 800})
    visit.page.goto((two_issue_site / "2025-08-16" / "index.html").as_uri(), wait_until="load")
    assert visit.page.evaluate("document.documentElement.scrollWidth") <= 375
    assert_not_blank(visit.screenshot("issue-phone.png"))
    visit.page.close()


def test_the_index_of_a_two_issue_site_in_a_browser(browser, two_issue_site):
    visit = Visit(browser, (two_issue_site / "index.html").as_uri())
    assert visit.errors == []
    assert visit.outside() == []
    assert (two_issue_site / "assets" / "digest.css").as_uri() in visit.requests
    width = visit.page.evaluate("document.querySelector('.frame').getBoundingClientRect().width")
    assert width == 640, "the stylesheet in assets/ is applied"
    assert visit.page.inner_text(".newest h2") == "Latest issue: 2025-08-16 · 1 story"
    assert visit.page.inner_text(".newest .contents li") == (
        "Trump says he made great progress in his meeting with Putin (check the translation)"
    )
    top = visit.page.evaluate("document.getElementById('archive').getBoundingClientRect().top")
    assert top < 900, "the archive starts on the first screen"
    archive = visit.page.locator(".archive > li")
    assert archive.count() == 2
    assert archive.nth(0).inner_text().startswith("2025-08-16")
    assert archive.nth(1).inner_text().startswith("2025-03-10")
    assert_not_blank(visit.screenshot("index.png"))

    visit.page.click("text=2025-03-10 · Arabic press digest")
    visit.page.wait_for_load_state("load")
    assert visit.page.url == (two_issue_site / "2025-03-10" / "index.html").as_uri()
    assert visit.page.inner_text("article h2") == "Five dead in floods in Tunisia's Sfax"
    assert visit.errors == [] and visit.outside() == []
    visit.page.close()


ARABIC_BLOCKS = """() => [...document.body.querySelectorAll('*')]
    .filter(e => ['block', 'list-item'].includes(getComputedStyle(e).display))
    .filter(e => /[\\u0600-\\u06ff]/.test(e.textContent) && !/[A-Za-z]/.test(e.textContent))
    .filter(e => !e.classList.contains('via'))
    .map(e => ({tag: e.tagName, text: e.textContent.trim().slice(0, 30),
                direction: getComputedStyle(e).direction, align: getComputedStyle(e).textAlign}))"""
CONTRAST = """() => {
  const rgb = s => s.match(/[\\d.]+/g).map(Number);
  const channel = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const background = e => {
    for (; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length < 4 || c[3] > 0) return c;
    }
    return [255, 255, 255];
  };
  return [...document.body.querySelectorAll('*')]
    .filter(e => [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
    .filter(e => e.getClientRects().length && getComputedStyle(e).visibility === 'visible')
    .map(e => {
      const [fg, bg] = [luminance(rgb(getComputedStyle(e).color)), luminance(background(e))];
      return {text: e.textContent.trim().slice(0, 30), color: getComputedStyle(e).color,
              ratio: (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05)};
    });
}"""
MAIL_PAGES = ("mail.html", "mail-arabic.html")


@pytest.fixture(scope="module")
def arabic_site(tmp_path_factory):
    """A site whose newest issue was built without translation, and two mailed copies."""
    out = tmp_path_factory.mktemp("arabic-site")
    env = render.environment()
    site.publish(out, flood_issue(), env)
    site.publish(out, arabic_only(summit_issue()), env)
    footer = render.Footer(
        "You receive this because you subscribed to this digest.",
        "https://example.org/unsubscribe?email=a%40example.org",
        "Example Media, 1 High Street, London N1 1AA",
    )
    links = render.site_links(summit_issue().date, "https://example.org/digest/", mailed=True)
    for name, issue in zip(MAIL_PAGES, (summit_issue(), arabic_only(summit_issue())), strict=True):
        (out / name).write_text(render.render_mail(issue, env, links, footer)[1], encoding="utf-8")
    return out


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize(
    ("page", "least"),
    [("2025-08-16/index.html", 6), ("index.html", 3), ("mail.html", 4), ("mail-arabic.html", 6)],
)
def test_every_arabic_block_reads_right_to_left_and_every_text_is_legible(
    browser, arabic_site, page, least, width
):
    visit = Visit(browser, "")
    visit.page.set_viewport_size({"width": width, "height": 900})
    visit.page.goto((arabic_site / page).as_uri(), wait_until="load")
    assert visit.errors == [] and visit.outside() == []
    blocks = visit.page.evaluate(ARABIC_BLOCKS)
    assert len(blocks) >= least, blocks
    wrong = [b for b in blocks if b["direction"] != "rtl" or b["align"] not in ("right", "start")]
    assert not wrong, wrong
    assert not [b for b in blocks if b["align"] == "start" and b["tag"] not in ("OL", "NAV")]
    texts = visit.page.evaluate(CONTRAST)
    assert len(texts) > 10
    faint = [t for t in texts if t["ratio"] < 4.5]
    assert not faint, faint
    assert visit.page.evaluate("document.documentElement.scrollWidth") <= max(width, 640 + 16)
    assert_not_blank(visit.screenshot(f"{page.replace('/', '-')}-{width}.png"))
    visit.page.close()


CUT_PAGES = ("2018-03-13/index.html", "mail-cut.html", "mail-cut-arabic.html")
BRIEFS = """() => [...document.querySelectorAll('.briefs li')].map(e => ({
    id: e.id, text: e.textContent.trim().slice(0, 30), visible: e.getClientRects().length > 0,
    arabic: e.lang === 'ar', direction: getComputedStyle(e).direction,
    align: getComputedStyle(e).textAlign, link: (e.querySelector('a') || {}).href || null}))"""


@pytest.fixture(scope="module")
def cut_site(tmp_path_factory):
    """A day of 60 stories (12 in full, 30 also reported, 18 on the site only) and its mailed
    copies, translated and not."""
    out = tmp_path_factory.mktemp("cut-site")
    env = render.environment()
    issue = cut_issue(60)
    site.publish(out, issue, env, "https://example.org/digest/")
    links = render.site_links(issue.date, "https://example.org/digest/", mailed=True)
    footer = render.Footer("You receive this because you subscribed.", "https://example.org/u")
    for name, copy in zip(CUT_PAGES[1:], (issue, arabic_only(issue)), strict=True):
        (out / name).write_text(render.render_mail(copy, env, links, footer)[1], encoding="utf-8")
    return out, issue


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("page", CUT_PAGES)
def test_also_reported_reads_as_a_list_and_every_mailed_link_lands_on_the_site(
    browser, cut_site, page, width
):
    out, issue = cut_site
    visit = Visit(browser, "")
    visit.page.set_viewport_size({"width": width, "height": 900})
    visit.page.goto((out / page).as_uri(), wait_until="load")
    assert visit.errors == [] and visit.outside() == []
    assert visit.page.locator("article").count() == 12
    assert visit.page.is_visible("#also-reported") or visit.page.is_visible("text=Also reported")
    briefs = visit.page.evaluate(BRIEFS)
    also = [s for _, group in issue.also_reported for s in group]
    on_site = page.startswith("2018")
    assert len(briefs) == (60 - 12 if on_site else 30) and all(b["visible"] for b in briefs)
    for brief in briefs:
        expected = ("rtl", "right") if brief["arabic"] else ("ltr", "left")
        assert (brief["direction"], brief["align"]) in (expected, (expected[0], "start")), brief
    if on_site:
        assert [b["id"] for b in briefs[:30]] == [s.id for s in also]
        assert visit.page.is_visible("#more-stories")
    else:
        site_page = (out / CUT_PAGES[0]).read_text(encoding="utf-8")
        for brief, story in zip(briefs, also, strict=True):
            assert brief["link"] == f"https://example.org/digest/2018-03-13/index.html#{story.id}"
            assert f'id="{story.id}"' in site_page
        assert visit.page.is_visible("text=And 18 more stories")
    faint = [t for t in visit.page.evaluate(CONTRAST) if t["ratio"] < 4.5]
    assert not faint, faint
    assert visit.page.evaluate("document.documentElement.scrollWidth") <= max(width, 640 + 16)
    assert_not_blank(visit.screenshot(f"cut-{page.replace('/', '-')}-{width}.png"))
    visit.page.close()


AXES = (("left", "width"), ("top", "height"))
REPORT_TARGETS = """() => [...document.querySelectorAll('.sources a.report')].map(e => {
    const box = e.getBoundingClientRect();
    return {text: e.textContent, width: box.width, height: box.height, left: box.left, top: box.top};
})"""


@pytest.mark.parametrize("width", [390, 1280])
def test_numbered_report_links_are_targets_a_finger_can_hit(browser, tmp_path, width):
    """An outlet with sixteen reports of one story lists them as "[2]" … "[16]": each link is at
    least 24 by 24 CSS pixels (WCAG 2.2's minimum target size), and no two overlap, so a reader
    on a phone taps the report they mean."""
    issue = flood_issue()
    outlet = [SourceRef("الرياض", f"https://www.alriyadh.com/{n}", issue.date) for n in range(16)]
    other = SourceRef("الأناضول", "https://www.aa.com.tr/ar/1", issue.date)
    story = replace(issue.stories[0], sources=(*outlet, other))
    site.publish(
        tmp_path, replace(issue, stories=(story, *issue.stories[1:])), render.environment()
    )
    visit = Visit(browser, "")
    visit.page.set_viewport_size({"width": width, "height": 900})
    visit.page.goto((tmp_path / issue.date.isoformat() / "index.html").as_uri(), wait_until="load")
    assert visit.errors == []
    targets = visit.page.evaluate(REPORT_TARGETS)
    assert [t["text"] for t in targets] == [f"[{n}]" for n in range(2, 17)]
    small = [t for t in targets if t["width"] < 24 or t["height"] < 24]
    assert not small, small
    overlapping = [
        (one, two)
        for one, two in combinations(targets, 2)
        if all(one[lo] < two[lo] + two[size] and two[lo] < one[lo] + one[size] for lo, size in AXES)
    ]
    assert not overlapping, overlapping
    assert_not_blank(visit.screenshot(f"report-links-{width}.png"))
    visit.page.close()
