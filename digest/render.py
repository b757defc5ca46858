"""Rendering an Issue through Jinja templates: one environment for every output.

HTML is autoescaped; Markdown gets its own escaping filter, so article text can never turn into
markup; links are kept only when they are http(s).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import jinja2

from digest.errors import TemplateError
from digest.news import Issue
from digest.resources import bundled

OUTPUTS = {
    "index.html": "newsletter.html.j2",
    "digest.md": "newsletter.md.j2",
    "digest.txt": "newsletter.txt.j2",
}
MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|{}])")


def markdown_escape(text: str) -> str:
    """Backslash-escape what Markdown would read as markup; line breaks become spaces."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def web_link(url: str | None) -> str | None:
    """Only http(s) links reach readers: no javascript:, data: or file: URLs."""
    if url and urlsplit(url).scheme.lower() in ("http", "https"):
        return url
    return None


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(bundled("templates")),
        autoescape=lambda name: bool(name) and name.endswith(".html.j2"),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["md"] = markdown_escape
    env.filters["web_link"] = web_link
    return env


def render(issue: Issue, env: jinja2.Environment) -> dict[str, str]:
    """Every output file of the issue, by file name."""
    files = {}
    for filename, template_name in OUTPUTS.items():
        try:
            files[filename] = env.get_template(template_name).render(issue=issue)
        except jinja2.TemplateSyntaxError as error:
            raise TemplateError(
                f"{error.filename or error.name}, line {error.lineno}: {error.message}"
            ) from None
        except jinja2.TemplateError as error:
            raise TemplateError(f"{template_name}: {error}") from None
    return files
