"""Full-text search over every issue: a Pagefind index written into the static site.

Pagefind (its binary comes from PyPI as ``pagefind[bin]``) turns records into a static bundle of
index shards and a WebAssembly search module that the browser loads on demand, so search works
from any folder, bucket or CDN with no server and no network. Each story is one record per
language, whose URL is the story's anchor in its issue page.

There are two bundles, ``pagefind/en/`` and ``pagefind/ar/``, because a Pagefind instance
stems the query with one language's module: English stories go through the English stemmer and
Arabic through the Arabic (Snowball) one, and the search page queries both. Snowball's Arabic
stemmer already treats alef forms (أ إ آ ا), alef maqsura and ya, ta marbuta and ha, tatweel and
diacritics as one, but not the definite article consistently («القمة» does not find «قمة»,
«مفاوضات» does not find «المفاوضات»). So the Arabic record holds each word *folded*: normalised
as digest normalises for matching, and without a leading definite article (ال with و ب ف ك, or
لل). assets/search.js folds the query the same way, and shows snippets from the original
spelling, which the record keeps in its metadata.

The whole index is rebuilt on every build from the issue.json files on disk (a 1,000-issue
site takes about a second; see BENCHMARKS.md), so a missing or stale index is replaced. It is
written aside and renamed into place. When Pagefind is missing or fails, the site stands and
the reason is returned for one warning line.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import re
import shutil
import tempfile
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from digest.arabic import normalise
from digest.news import Issue, StoryDigest

BUNDLE = "pagefind"
ENGLISH, ARABIC = "en", "ar"
# The definite article and the particles that attach before it, longest first.
ARTICLE_PREFIXES = ("وال", "بال", "فال", "كال", "لل", "ال")
# A folded word keeps at least this many letters, so short words are left whole.
SHORTEST_STEM = 3
WORD = re.compile(r"[^\W_]+")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Record:
    """One story in one language, as Pagefind indexes it."""

    language: str
    url: str
    content: str
    meta: dict[str, str] = field(default_factory=dict)
    filters: dict[str, list[str]] = field(default_factory=dict)
    sort: dict[str, str] = field(default_factory=dict)


def strip_article(word: str) -> str:
    """A normalised word without a leading definite article, if enough of it is left."""
    for prefix in ARTICLE_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= SHORTEST_STEM:
            return word[len(prefix) :]
    return word


def fold(text: str) -> str:
    """The words of a text as the Arabic index holds them, one space apart: normalised (which
    leaves Latin letters as they are) and without a leading definite article."""
    return " ".join(strip_article(word) for word in WORD.findall(normalise(text)))


def story_records(issue: Issue, story: StoryDigest) -> list[Record]:
    """The English record (when the story was translated) and the Arabic one."""
    date = issue.date.isoformat()
    url = f"{date}/index.html#{story.id}"
    lines = [story.headline, *(bullet.line for bullet in story.bullets)]
    title = story.headline.en if story.headline.en is not None else story.headline.ar
    outlets = sorted({ref.name for ref in story.sources})
    common = {
        "title": title,
        "title_lang": ENGLISH if story.headline.en is not None else ARABIC,
        "date": date,
        "issue": issue.title,
        "outlets": ", ".join(outlets),
    }
    filters = {"outlet": outlets, "date": [date]}
    arabic = "\n".join(line.ar for line in lines)
    records = [
        Record(
            ARABIC,
            url,
            fold(arabic),
            {**common, "text": arabic},
            filters,
            {"date": date},
        )
    ]
    english = [line.en for line in lines if line.en is not None]
    if english:
        text = "\n".join(english)
        records.append(
            Record(ENGLISH, url, text, {**common, "text": text}, filters, {"date": date})
        )
    return records


def records(issues: Sequence[Issue]) -> list[Record]:
    return [
        record
        for issue in issues
        for story in issue.stories
        for record in story_records(issue, story)
    ]


async def write_bundle(folder: Path, language: str, items: Sequence[Record]) -> None:
    from pagefind.index import IndexConfig, PagefindIndex

    config = IndexConfig(force_language=language, output_path=str(folder))
    async with PagefindIndex(config) as index:
        for record in items:
            await index.add_custom_record(
                url=record.url,
                content=record.content,
                language=record.language,
                meta=record.meta,
                filters=record.filters,
                sort=record.sort,
            )


async def write_bundles(staging: Path, items: Sequence[Record]) -> None:
    await asyncio.gather(
        *(
            write_bundle(staging / language, language, [r for r in items if r.language == language])
            for language in (ENGLISH, ARABIC)
        )
    )


def index_site(out: Path, issues: Sequence[Issue]) -> str | None:
    """Index every story of ``issues`` into ``out/pagefind/``; why not, when it could not be.

    The bundles are written into a hidden folder beside the old one and swapped in whole, so
    the site is never left with half an index. Any failure (Pagefind not installed, its binary
    missing or crashing, a full disk) leaves the old index, if any, and is reported in one line.
    """
    staging = Path(tempfile.mkdtemp(prefix=f".{BUNDLE}-", dir=out))
    try:
        run_apart(write_bundles(staging, records(issues)))
        for language in (ENGLISH, ARABIC):
            if not (staging / language / "pagefind.js").is_file():
                raise RuntimeError(f"pagefind wrote no {language} bundle")
        swap_in(staging, out / BUNDLE)
    except ImportError:
        reason = "the pagefind package is not installed (pip install 'pagefind[bin]')"
    except FileNotFoundError as error:
        reason = f"{error}; install it with pip install 'pagefind[bin]'"
    except Exception as error:  # the binary's failures reach us as many kinds of exception
        reason = f"pagefind failed: {error or type(error).__name__}"
    else:
        return None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log.warning(f"search index not built: {reason}")
    return reason


def run_apart(coroutine: Coroutine[object, object, None]) -> None:
    """Run Pagefind's asyncio client in its own thread, so a caller that is itself inside an
    event loop (a server, a test driving a browser) can build the index too."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, coroutine).result()


def swap_in(staging: Path, final: Path) -> None:
    """Rename the new bundle folder over the old one; the old one is removed afterwards."""
    staging.chmod(0o755)
    if final.exists():
        retired = Path(tempfile.mkdtemp(prefix=f".{final.name}-old-", dir=final.parent))
        final.rename(retired / final.name)
        staging.rename(final)
        shutil.rmtree(retired)
    else:
        staging.rename(final)
