"""Rendering issues through Jinja templates: one environment for every output.

HTML and the Atom feed are autoescaped; Markdown and plain text get their own filters, so article
text can never turn into markup; links are kept only when they are http(s); control characters
are dropped from every value. A user template folder is searched before the built-in templates,
so any template can be replaced by name and the rest still come from digest.
"""

from __future__ import annotations

import re
import traceback
import uuid
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote, urlsplit

import css_inline
import jinja2

from digest.errors import TemplateError
from digest.news import Bilingual, Issue
from digest.resources import bundled

ISSUE_OUTPUTS = {
    "index.html": "newsletter.html.j2",
    "digest.md": "newsletter.md.j2",
    "digest.txt": "newsletter.txt.j2",
}
SITE_OUTPUTS = {"index.html": "index.html.j2", "feed.xml": "feed.xml.j2"}
ASSETS = ("digest.css",)

MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|{}])")
# C0 and C1 controls but tab and newline: invisible, and not allowed in XML 1.0. Bidi embedding,
# override and isolate controls too: they can make displayed text read differently from what it
# is (marks that only set direction, such as U+200F, stay: Arabic text needs them).
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
ARABIC_LETTER = re.compile(r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")
# Characters a browser or Markdown reader could take as the end of a link.
URL_UNSAFE = re.compile(r"[\s<>\"'`\\^{}|]")

INLINER = css_inline.CSSInliner(load_remote_stylesheets=False, keep_at_rules=True)


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


def without_controls(value: object) -> object:
    """Jinja's finalize hook: every printed value loses control characters, keeping its type."""
    if isinstance(value, str) and CONTROL.search(value):
        return type(value)(CONTROL.sub("", value))
    return value


def as_text(value: str) -> str:
    """Rendered HTML as plain text again, so the feed escapes it once more into its content."""
    return str.__str__(value)


def urn_uuid(*parts: str) -> str:
    """A stable Atom id: the same title and date always give the same URN, with no clock."""
    return uuid.uuid5(uuid.NAMESPACE_URL, ":".join(parts)).urn


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
    )
    env.globals["urn_uuid"] = urn_uuid
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


def render(issue: Issue, env: jinja2.Environment) -> dict[str, str]:
    """The files of one issue's folder, by file name; the HTML is ready to send as email."""
    files = {
        name: render_template(env, template, issue=issue)
        for name, template in ISSUE_OUTPUTS.items()
    }
    files["index.html"] = inline_css(files["index.html"])
    return files


def render_site(issues: Sequence[Issue], env: jinja2.Environment) -> dict[str, str]:
    """The site's index page and Atom feed for the given issues, newest first."""
    return {
        name: render_template(env, template, issues=issues)
        for name, template in SITE_OUTPUTS.items()
    }


def render_assets(env: jinja2.Environment) -> dict[str, str]:
    """The files of assets/, each overridable by name like any template."""
    return {name: asset_source(env, f"assets/{name}") for name in ASSETS}


def asset_source(env: jinja2.Environment, name: str) -> str:
    try:
        if env.loader is None:
            raise jinja2.TemplateNotFound(name)
        return env.loader.get_source(env, name)[0]
    except jinja2.TemplateNotFound:
        raise TemplateError(f"{name}: not found in the template folders") from None
