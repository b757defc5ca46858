"""Real bilingual text for the search test and benchmark, and a local web server for a built site.

NTREX-128 gives news documents in English with a human Arabic translation, line by line, so an
issue built from its Arabic can carry real English for every line the summariser picks.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import http.server
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from digest.news import Issue
from tests.conftest import SHARED_DATA

NTREX = SHARED_DATA / "ntrex"


@dataclass(frozen=True)
class ParallelDocument:
    id: str
    outlet: str
    arabic: tuple[str, ...]
    english: tuple[str, ...]


def ntrex_documents() -> list[ParallelDocument]:
    """Every NTREX document: its first line is the headline, the rest the body."""
    ids = (NTREX / "DOCUMENT_IDS.tsv").read_text(encoding="utf-8").split("\n")
    arabic = (NTREX / "newstest2019-ref.arb.txt").read_text(encoding="utf-8").split("\n")
    english = (NTREX / "newstest2019-src.eng.txt").read_text(encoding="utf-8").split("\n")
    lines: dict[str, list[tuple[str, str]]] = {}
    for doc_id, ar, en in zip(ids, arabic, english, strict=False):
        if doc_id.strip():
            lines.setdefault(doc_id.strip(), []).append((ar.strip(), en.strip()))
    return [
        ParallelDocument(
            doc_id, doc_id.split(".")[0], tuple(a for a, _ in pairs), tuple(e for _, e in pairs)
        )
        for doc_id, pairs in lines.items()
    ]


def write_jsonl(path: Path, documents: list[ParallelDocument], published: str) -> Path:
    """The documents' Arabic as JSON lines, one article each, as digest reads them."""
    path.write_text(
        "".join(
            json.dumps(
                {
                    "title": doc.arabic[0],
                    "paragraphs": list(doc.arabic[1:]),
                    "source": doc.outlet,
                    "url": f"https://example.org/{doc.id}",
                    "published": published,
                },
                ensure_ascii=False,
            )
            + "\n"
            for doc in documents
        ),
        encoding="utf-8",
    )
    return path


def with_english(issue: Issue, documents: list[ParallelDocument]) -> Issue:
    """The issue with each Arabic line's human English (NTREX's source) where there is one."""
    english = {ar: en for doc in documents for ar, en in zip(doc.arabic, doc.english, strict=True)}

    def line(pair):
        return dataclasses.replace(pair, en=english.get(pair.ar, pair.en))

    return dataclasses.replace(
        issue,
        stories=tuple(
            dataclasses.replace(
                story,
                headline=line(story.headline),
                bullets=tuple(
                    dataclasses.replace(bullet, line=line(bullet.line)) for bullet in story.bullets
                ),
            )
            for story in issue.stories
        ),
    )


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    """The folder on http://127.0.0.1:PORT/, as `python -m http.server` would serve it."""
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()
