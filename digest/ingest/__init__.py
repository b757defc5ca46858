"""Reading sources into Articles: one reader per input kind, chosen by file suffix.

A source that cannot be read becomes a Failure with a reason and the others go on: one bad file
must not sink an issue.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from digest.errors import ArticleError, UsageError
from digest.ingest.text import read_text_file
from digest.news import Article, Failure

log = logging.getLogger(__name__)

READERS: dict[str, Callable[[Path], Article]] = {".txt": read_text_file}


@dataclass(frozen=True)
class Ingested:
    articles: tuple[Article, ...]
    failures: tuple[Failure, ...]


def expand(sources: Iterable[str | Path]) -> list[Path]:
    """Files named directly, and every readable file below each folder, sorted."""
    paths: list[Path] = []
    for source in sources:
        path = Path(source)
        if path.is_dir():
            paths += sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in READERS
            )
        elif path.is_file():
            paths.append(path)
        else:
            raise UsageError(f"no such file or folder: {source}")
    return paths


def read_article(path: Path) -> Article:
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        known = ", ".join(sorted(READERS))
        raise ArticleError(
            f"unsupported file type {path.suffix or '(none)'!r}; digest reads {known}"
        )
    return reader(path)


def read_sources(sources: Sequence[str | Path]) -> Ingested:
    articles: list[Article] = []
    failures: list[Failure] = []
    for path in expand(sources):
        try:
            articles.append(read_article(path))
        except ArticleError as error:
            log.warning("could not process %s: %s", path, error)
            failures.append(Failure(origin=str(path), reason=str(error)))
    return Ingested(tuple(articles), tuple(failures))
