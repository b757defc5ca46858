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

The whole index is rebuilt on every build from the issue.json files on disk (Pagefind has no
incremental mode; a 30-issue site takes well under a second, see BENCHMARKS.md), so a missing
or stale index is replaced. It is written aside with the site's modes and swapped in as an
issue folder is (digest/disk.py); what a stopped build left aside is removed by the next. When Pagefind is missing or fails, the site stands and
the reason is returned for one warning line.
"""

from __future__ import annotations

import base64
import concurrent.futures
import contextlib
import json
import logging
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

from digest import disk
from digest.arabic import normalise
from digest.news import Issue, StoryDigest
from digest.sanitise import clean_line

BUNDLE = "pagefind"
ENGLISH, ARABIC = "en", "ar"
# The definite article and the particles that attach before it, longest first.
ARTICLE_PREFIXES = ("وال", "بال", "فال", "كال", "لل", "ال")
# A folded word keeps at least this many letters, so short words are left whole.
SHORTEST_STEM = 3
WORD = re.compile(r"[^\W_]+")
LEFTOVER = re.compile(rf"\.{BUNDLE}-[\w-]+")

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
    """The English record (when the story was translated) and the Arabic one. Every text is
    one clean line (digest/sanitise.py): the search page shows these fields as they are, outside
    the templates that clean the issue pages."""
    date = issue.date.isoformat()
    url = f"{date}/index.html#{story.id}"
    lines = [story.headline, *(bullet.line for bullet in story.bullets)]
    title = story.headline.en if story.headline.en is not None else story.headline.ar
    outlets = sorted({clean_line(ref.name) for ref in story.sources})
    common = {
        "title": clean_line(title),
        "title_lang": ENGLISH if story.headline.en is not None else ARABIC,
        "date": date,
        "issue": clean_line(issue.title),
        "outlets": ", ".join(outlets),
        # The anchor relative to the site's root: Pagefind makes its own url field absolute
        # ("/2025-08-16/…"), which breaks a site served from a subfolder.
        "link": url,
    }
    filters = {"outlet": outlets, "date": [date]}
    arabic = "\n".join(clean_line(line.ar) for line in lines)
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
    english = [clean_line(line.en) for line in lines if line.en is not None]
    if english:
        text = "\n".join(english)
        records.append(
            Record(ENGLISH, url, text, {**common, "text": text}, filters, {"date": date})
        )
    return records


def languages(issues: Sequence[Issue]) -> list[str]:
    """The bundles a site has: Arabic always, English when any line was translated."""
    translated = any(
        line.en is not None
        for issue in issues
        for story in issue.stories
        for line in (story.headline, *(bullet.line for bullet in story.bullets))
    )
    return [ENGLISH, ARABIC] if translated else [ARABIC]


def records(issues: Sequence[Issue]) -> list[Record]:
    return [
        record
        for issue in issues
        for story in issue.stories
        for record in story_records(issue, story)
    ]


def pagefind_binary() -> Path:
    """The binary of ``pagefind[bin]`` (or the one ``PAGEFIND_BINARY_PATH`` names)."""
    from pagefind.service import get_executable

    binary = get_executable()
    if binary is None:
        raise FileNotFoundError("the pagefind binary is not installed")
    return binary


class PagefindService:
    """`pagefind --service`, the indexer behind Pagefind's Python and Node APIs, driven in step.

    Its messages are base64 JSON ended by a comma. Records go in the site's order (the command
    line reads pages in parallel, in no fixed order) and the service adds them one after
    another in the order they come, answering each in turn (an answer out of order is an
    error), and the bundle comes back in the last answer, which digest writes itself, so no
    file is left half-written by a process that is closing. Pagefind's own Python client speaks
    the same protocol but waits 0.1 s before reading each answer: 17 minutes for 10,000 records.
    """

    def __init__(self, binary: Path):
        self.errors = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 closed in close()
        try:
            self.process = subprocess.Popen(
                [str(binary), "--service"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self.errors,
            )
        except OSError:
            self.errors.close()
            raise
        # Both are pipes, as asked for above.
        self.requests = cast(IO[bytes], self.process.stdin)
        self.reply_stream = cast(IO[bytes], self.process.stdout)
        self.replies = self.reply_stream.fileno()
        self.pending = b""
        self.message = 0
        self.answered = 0

    def send(self, payload: dict[str, Any]) -> dict[str, Any]:
        return self.send_all([payload])[0]

    def send_all(self, payloads: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """Requests written at once, their answers read in order: the service takes its
        messages one after another, in the order they come, so waiting for each answer before
        the next request only adds a round trip per record. Its answers wait in its own queue
        meanwhile, so neither side blocks the other."""
        requests = []
        for payload in payloads:
            self.message += 1
            request = {"message_id": self.message, "payload": payload}
            requests.append(base64.b64encode(json.dumps(request).encode("utf-8")) + b",")
        self.requests.write(b"".join(requests))
        self.requests.flush()
        return [self.receive() for _ in payloads]

    def receive(self) -> dict[str, Any]:
        while b"," not in self.pending:
            chunk = os.read(self.replies, 1 << 16)
            if not chunk:
                self.errors.seek(0)
                said = (self.errors.read().strip().splitlines() or ["no reason given"])[-1]
                raise RuntimeError(f"pagefind stopped ({said})")
            self.pending += chunk
        answer, _, self.pending = self.pending.partition(b",")
        message = json.loads(base64.b64decode(answer))
        reply: dict[str, Any] = message["payload"]
        self.answered += 1
        if reply.get("type") != "Error" and message.get("message_id") != self.answered:
            raise RuntimeError(f"pagefind answered message {message.get('message_id')} out of turn")
        if reply.get("type") == "Error":
            raise RuntimeError(f"pagefind: {reply.get('message')}")
        return reply

    def close(self) -> None:
        """End of input stops the service; one that has already stopped is only waited for."""
        with contextlib.suppress(BrokenPipeError):
            self.requests.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.reply_stream.close()
        self.errors.close()


def write_bundle(
    binary: Path, folder: Path, language: str, items: Sequence[Record], modes: disk.Modes
) -> None:
    service = PagefindService(binary)
    try:
        index = service.send({"type": "NewIndex", "config": {"force_language": language}})
        service.send_all(
            [
                {
                    "type": "AddRecord",
                    "index_id": index["index_id"],
                    "url": record.url,
                    "content": record.content,
                    "language": record.language,
                    "meta": record.meta,
                    "filters": record.filters,
                    "sort": record.sort,
                }
                for record in items
            ]
        )
        bundle = service.send({"type": "GetFiles", "index_id": index["index_id"]})
    finally:
        service.close()
    for file in bundle["files"]:
        path = (folder / file["path"]).resolve()
        if not path.is_relative_to(folder.resolve()):
            raise RuntimeError(f"pagefind named a file outside its bundle: {file['path']}")
        disk.make_folder(path.parent, modes.folder)
        disk.write_new(path, base64.b64decode(file["content"]), modes.file)


def write_bundles(staging: Path, items: Sequence[Record], modes: disk.Modes) -> None:
    """One bundle per language that has records, both written at once, with the site's modes."""
    binary = pagefind_binary()
    chosen = {
        language: [r for r in items if r.language == language] for language in (ENGLISH, ARABIC)
    }
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        runs = [
            pool.submit(write_bundle, binary, staging / language, language, batch, modes)
            for language, batch in chosen.items()
            if batch
        ]
        for run in runs:
            run.result()


def index_site(out: Path, issues: Sequence[Issue]) -> str | None:
    """Index every story of ``issues`` into ``out/pagefind/``; why not, when it could not be."""
    return Indexing(out, issues).finish()


class Indexing:
    """The index of ``issues``, written in the background while the caller writes the pages.

    Pagefind runs in its own process, so a build renders its pages on one core while Pagefind
    indexes on the other. The bundles are written into a hidden folder beside the old one and
    swapped in whole by ``finish``, which the caller runs once the pages are written: the site
    is never left with half an index, nor with an index listing an issue that is not there.
    Any failure (Pagefind not installed, its binary missing or crashing, a full disk) leaves
    the old index, if any, and is reported in one line.
    """

    def __init__(self, out: Path, issues: Sequence[Issue]):
        self.out = out
        self.issues = issues
        modes = disk.usual_modes()
        self.staging = disk.staging_folder(out / BUNDLE, modes.folder)
        self.worker = concurrent.futures.ThreadPoolExecutor(max_workers=1)
        self.written = self.worker.submit(
            lambda: write_bundles(self.staging, records(issues), modes)
        )

    def finish(self) -> str | None:
        try:
            self.written.result()
            for language in languages(self.issues):
                if not (self.staging / language / "pagefind.js").is_file():
                    raise RuntimeError(f"pagefind wrote no {language} bundle")
            disk.swap_folder(self.staging, self.out / BUNDLE)
        except ImportError:
            reason = "the pagefind package is not installed (pip install 'pagefind[bin]')"
        except FileNotFoundError as error:
            missing = f"no pagefind binary at {error.filename}" if error.filename else str(error)
            reason = f"{missing}; install it with pip install 'pagefind[bin]'"
        except (OSError, RuntimeError, subprocess.SubprocessError) as error:
            reason = f"pagefind failed: {error}"
        else:
            return None
        finally:
            self.abandon()
        log.warning(f"search index not built: {reason}")
        return reason

    def abandon(self) -> None:
        """Wait for Pagefind and remove what it wrote, when the pages could not be written (or
        after ``finish``, whatever was not swapped in)."""
        self.worker.shutdown(wait=True)
        shutil.rmtree(self.staging, ignore_errors=True)


def recover(out: Path) -> list[str]:
    """Remove the staging folders of builds and saves that were stopped while Pagefind wrote
    (``.pagefind-new-…``, and ``.pagefind-…`` of earlier releases) or while the old index was
    moved aside: the whole index is rebuilt on every build, so none is worth putting back.
    Call with the output folder locked, before an indexing of its own starts."""
    done = []
    for path in sorted(out.glob(f".{BUNDLE}-*")) if out.is_dir() else []:
        if path.is_dir() and LEFTOVER.fullmatch(path.name):
            shutil.rmtree(path)
            done.append(f"removed {path.name}, left by a build that was stopped")
    return done
