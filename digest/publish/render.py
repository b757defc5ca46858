"""Rendering issues through Jinja templates: one environment for every output.

HTML and the Atom feed are autoescaped; Markdown and plain text get their own filters, so article
text can never turn into markup; links are kept only when they are http(s); control characters
are dropped from every value. A user template folder is searched before the built-in templates,
so any template can be replaced by name and the rest still come from digest.

The issue templates serve both the site and the mail: they are given the issue, its ``Links`` to
the site, a ``Footer`` (None on the site; a mailed copy's reason, unsubscribe link and postal
address) and ``complete``, true only for the site's issue page, which lists every story where
the Markdown, the text and a mailed copy carry the cut and count the rest.
"""

from __future__ import annotations

import datetime as dt
import re
import traceback
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

import css_inline
import jinja2

from digest.errors import TemplateError
from digest.news import (
    UNKNOWN_OUTLET,
    UNKNOWN_OUTLET_AR,
    Bilingual,
    Bullet,
    Issue,
    SourceRef,
    StoryDigest,
)
from digest.publish import search as site_search
from digest.resources import bundled
from digest.sanitise import UNSAFE, clean
from digest.stories import sections

ISSUE_OUTPUTS = {
    "index.html": "newsletter.html.j2",
    "digest.md": "newsletter.md.j2",
    "digest.txt": "newsletter.txt.j2",
}
SITE_OUTPUTS = {"index.html": "index.html.j2", "feed.xml": "feed.xml.j2"}
ASSETS = ("digest.css",)
SEARCH_OUTPUTS = {"search.html": "search.html.j2"}
SEARCH_ASSETS = ("search.js",)
# Outlets named under a bullet before the rest are counted.
ATTRIBUTED = 2

MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|{}])")
ARABIC_LETTER = re.compile(r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")
# Characters a browser or Markdown reader could take as the end of a link.
URL_UNSAFE = re.compile(r"[\s<>\"'`\\^{}|]")

RLM = "\u200f"
"""RIGHT-TO-LEFT MARK: starts each Arabic line of the Markdown and text, which carry no markup,
so a reader that honours it sets the line right to left."""
# minify_css: the spaces css-inline would write into every style attribute are about 2% of a
# mailed issue's HTML, which Gmail clips past 102 KB.
INLINER = css_inline.CSSInliner(load_remote_stylesheets=False, keep_at_rules=True, minify_css=True)
# Spelled out rather than strftime'd, so the masthead reads the same under any locale.
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


@dataclass(frozen=True)
class Links:
    """Where an issue's links to the rest of the site point; None leaves a link out.

    ``page`` is the issue itself on the site ("view in your browser", only worth showing in a
    mail), ``home`` the site index and ``archive`` its list of every issue. ``stories`` is the
    issue page that ``#`` and a story's id are added to, to link a story the copy does not tell
    in full. A mail client has no folder to resolve a relative link against, so a mail without
    the site's address carries none.
    """

    page: str | None = None
    home: str | None = None
    archive: str | None = None
    stories: str | None = None


def site_links(date: dt.date, site_url: str | None, mailed: bool) -> Links:
    """Absolute links when the site's address is known; otherwise relative ones on the site's own
    page and none in a mail."""
    if site_url:
        base = site_url.rstrip("/") + "/"
        issue_page = f"{base}{date.isoformat()}/index.html"
        return Links(
            page=issue_page if mailed else None,
            home=f"{base}index.html",
            archive=f"{base}index.html#archive",
            stories=issue_page,
        )
    if mailed:
        return Links()
    return Links(home="../index.html", archive="../index.html#archive", stories="index.html")


@dataclass(frozen=True)
class Footer:
    """What a mailed copy ends with for its one reader: why they get it, how to stop it (the
    List-Unsubscribe address, their own), and who sends it."""

    reason: str
    unsubscribe: str | None = None
    postal_address: str | None = None


def markdown_escape(text: str) -> str:
    """Backslash-escape what Markdown would read as markup; line breaks become spaces."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", one_line(text))


def one_line(text: str) -> str:
    """Runs of whitespace, line breaks included, become one space: a value is one line."""
    return " ".join(str(text).split())


def web_link(url: str | None) -> str | None:
    """Only http(s) links with a host reach readers: no javascript:, data: or file: URLs."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return URL_UNSAFE.sub(lambda m: quote(m.group(), safe=""), url.strip())


def script(text: str) -> str:
    """Which letters a line holds: 'arabic', 'latin', 'mixed' or 'none' (digits, symbols)."""
    arabic, latin = bool(ARABIC_LETTER.search(text)), bool(LATIN_LETTER.search(text))
    return {(True, False): "arabic", (False, True): "latin", (True, True): "mixed"}.get(
        (arabic, latin), "none"
    )


def readable(line: Bilingual) -> str:
    """The English of a line when there is one, otherwise its Arabic."""
    return line.en if line.en is not None else line.ar


def is_edited(line: Bilingual) -> bool:
    """Whether a person wrote the line's English (in review, or through the translation memory);
    a flag resolved without a change leaves the machine's English, which is not marked."""
    return line.edit is not None and line.en is not None and line.en != line.edit.machine


def edited_lines(issue: Issue) -> int:
    """How many lines of the issue carry a person's English, for the reading key."""
    return sum(
        is_edited(line)
        for story in issue.stories
        for line in (story.headline, *(bullet.line for bullet in story.bullets))
    )


def outlets(stories: Sequence[StoryDigest]) -> list[str]:
    """The outlets that reported any of the stories, as the search page's outlet filter lists them."""
    return [ref.name for story in stories for ref in story.sources]


def without_controls(value: object) -> object:
    """Jinja's finalize hook: every printed value loses the characters digest/sanitise.py
    removes (controls, noncharacters XML refuses, lone surrogates, bidi overrides), keeping its
    type; so no value can make feed.xml unparseable or a line read differently."""
    if isinstance(value, str) and UNSAFE.search(value):
        return type(value)(UNSAFE.sub("", value))
    return value


def under_arabic(outlet: str) -> str:
    """The outlet line under an Arabic sentence. An outlet nothing names is said in Arabic too:
    the reader is looking at the Arabic there, and a bare English "unknown outlet" reads like a
    name."""
    return f"{UNKNOWN_OUTLET} · {UNKNOWN_OUTLET_AR}" if outlet == UNKNOWN_OUTLET else outlet


def by_outlet(sources: Sequence[SourceRef]) -> list[list[SourceRef]]:
    """The reports grouped by outlet, in the order the outlets first appear: a story a desk's
    papers ran twenty times each is a dozen outlets to read, not sixty links in a row."""
    groups: dict[str, list[SourceRef]] = {}
    for ref in sources:
        groups.setdefault(ref.name, []).append(ref)
    return list(groups.values())


def first_per_outlet(sources: Sequence[SourceRef]) -> list[SourceRef]:
    """Each outlet's first report, in the order the outlets first appear."""
    return [group[0] for group in by_outlet(sources)]


def cut_summary(issue: Issue) -> str:
    """What the issue holds: "12 stories · 30 also reported · 181 more on the site", or
    "3 stories" when every story is told in full."""
    full = len(issue.full)
    parts = [f"{full} {'story' if full == 1 else 'stories'}"]
    also = sum(len(group) for _, group in issue.also_reported)
    if also:
        parts.append(f"{also} also reported")
    if issue.site_only_count:
        parts.append(f"{issue.site_only_count} more on the site")
    return " · ".join(parts)


def attribution(bullet: Bullet) -> str:
    """The outlets under a bullet: two names, then how many more ("Sky News Arabia, CNN Arabic,
    +1"), so a fact five outlets report does not take a paragraph to attribute."""
    names = [under_arabic(name) for name in bullet.outlets]
    shown = ", ".join(names[:ATTRIBUTED])
    return f"{shown}, +{len(names) - ATTRIBUTED}" if len(names) > ATTRIBUTED else shown


def reach(story: StoryDigest) -> str:
    """How widely a story was reported: "5 outlets, 24 reports"; reports of outlets nothing
    names count as reports only."""
    reports = f"{len(story.sources)} {plural(len(story.sources), 'report')}"
    if not story.outlet_count:
        return reports
    return f"{story.outlet_count} {plural(story.outlet_count, 'outlet')}, {reports}"


def plural(count: int, noun: str) -> str:
    return noun if count == 1 else f"{noun}s"


def long_date(date: dt.date) -> str:
    """'Tuesday 3 March 2026': what a reader says, where ISO dates are for machines."""
    return f"{WEEKDAYS[date.weekday()]} {date.day} {MONTHS[date.month - 1]} {date.year}"


def as_text(value: str) -> str:
    """Rendered HTML as plain text again, so the feed escapes it once more into its content."""
    return str.__str__(value)


def urn_uuid(*parts: str) -> str:
    """A stable Atom id: the same title and date always give the same URN, with no clock."""
    return uuid.uuid5(uuid.NAMESPACE_URL, clean(":".join(parts))).urn


def environment(templates: Path | None = None) -> jinja2.Environment:
    """Templates from ``templates`` first (a user's overrides), then digest's own."""
    search = [str(templates)] if templates else []
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([*search, str(bundled("templates"))]),
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html.j2", "xml.j2"), default_for_string=False
        ),
        undefined=jinja2.StrictUndefined,
        finalize=without_controls,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        md=markdown_escape,
        oneline=one_line,
        web_link=web_link,
        script=script,
        readable=readable,
        as_text=as_text,
        long_date=long_date,
        cut_summary=cut_summary,
        first_per_outlet=first_per_outlet,
        by_outlet=by_outlet,
        section_label=sections.label,
        outlets=outlets,
        edited_lines=edited_lines,
        under_arabic=under_arabic,
        attribution=attribution,
        reach=reach,
        search_languages=site_search.languages,
    )
    env.tests.update(edited=is_edited)
    env.globals.update(urn_uuid=urn_uuid, RLM=RLM)
    return env


def template_line(error: Exception) -> str | None:
    """'FILE, line N' of the innermost template frame of a render error, if there is one.

    Jinja rewrites tracebacks so that template code shows as frames with the template's file
    name and line, which is what a user editing that template needs to see.
    """
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.endswith(".j2")]
    return f"{frames[-1].filename}, line {frames[-1].lineno}" if frames else None


def render_template(env: jinja2.Environment, name: str, **context: object) -> str:
    """One template rendered; any template problem becomes a TemplateError naming file and line."""
    try:
        return env.get_template(name).render(**context)
    except jinja2.TemplateSyntaxError as error:
        raise TemplateError(
            f"{error.filename or error.name}, line {error.lineno}: {error.message}"
        ) from None
    except jinja2.TemplateNotFound as error:
        where = template_line(error) or name
        raise TemplateError(
            f"{where}: no template {error.name!r} in the template folders"
        ) from None
    except (jinja2.TemplateError, TypeError, ValueError, AttributeError) as error:
        where = template_line(error) or name
        raise TemplateError(f"{where}: {error}") from None


def inline_css(html: str) -> str:
    """Styles moved into style attributes, as email clients that drop <style> need."""
    return INLINER.inline(html)


def render(
    issue: Issue,
    env: jinja2.Environment,
    site_url: str | None = None,
    older: dt.date | None = None,
    newer: dt.date | None = None,
) -> dict[str, str]:
    """The files of one issue's folder, by file name; the HTML has its CSS inlined like a mail.

    ``older`` and ``newer`` are the dates of the issues either side, which the page links to.
    """
    links = site_links(issue.date, site_url, mailed=False)
    files = {
        name: render_template(
            env,
            template,
            issue=issue,
            links=links,
            footer=None,
            older=older,
            newer=newer,
            complete=name == "index.html",
        )
        for name, template in ISSUE_OUTPUTS.items()
    }
    files["index.html"] = inline_css(files["index.html"])
    return files


def render_mail(
    issue: Issue, env: jinja2.Environment, links: Links, footer: Footer
) -> tuple[str, str]:
    """The plain-text and HTML bodies of one reader's copy: the issue page and text with the
    mail's links and that reader's footer (and no previous/next links, which are relative)."""
    context = {
        "issue": issue,
        "links": links,
        "footer": footer,
        "older": None,
        "newer": None,
        "complete": False,
    }
    text = render_template(env, ISSUE_OUTPUTS["digest.txt"], **context)
    html = render_template(env, ISSUE_OUTPUTS["index.html"], **context)
    return text, inline_css(html)


def render_page(
    issue: Issue,
    env: jinja2.Environment,
    site_url: str | None,
    older: dt.date | None,
    newer: dt.date | None,
) -> str:
    """Only the issue page, for an older issue whose previous or next issue has changed."""
    page = render_template(
        env,
        ISSUE_OUTPUTS["index.html"],
        issue=issue,
        links=site_links(issue.date, site_url, mailed=False),
        footer=None,
        older=older,
        newer=newer,
        complete=True,
    )
    return inline_css(page)


def render_site(
    issues: Sequence[Issue], env: jinja2.Environment, search: bool = False
) -> dict[str, str]:
    """The site's index page and Atom feed for the given issues, newest first (and the search
    page when the site is searchable)."""
    outputs = {**SITE_OUTPUTS, **(SEARCH_OUTPUTS if search else {})}
    return {
        name: render_template(env, template, issues=issues, search=search)
        for name, template in outputs.items()
    }


def render_assets(env: jinja2.Environment, search: bool = False) -> dict[str, str]:
    """The files of assets/, each overridable by name like any template."""
    names = ASSETS + (SEARCH_ASSETS if search else ())
    return {name: asset_source(env, f"assets/{name}") for name in names}


def asset_source(env: jinja2.Environment, name: str) -> str:
    try:
        if env.loader is None:
            raise jinja2.TemplateNotFound(name)
        return env.loader.get_source(env, name)[0]
    except jinja2.TemplateNotFound:
        raise TemplateError(f"{name}: not found in the template folders") from None
