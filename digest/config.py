"""Settings for a build: CLI options over environment variables over defaults, in one frozen object."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from digest.errors import UsageError
from digest.summarise import DEFAULT_BULLETS
from digest.translate import BACKENDS

MODEL_DIR_VARIABLE = "DIGEST_MODEL_DIR"


@dataclass(frozen=True)
class Settings:
    sources: tuple[str, ...]
    out: Path = Path("site")
    date: dt.date | None = None
    model: str | None = None
    model_dir: Path | None = None
    bullets: int = DEFAULT_BULLETS
    translate: bool = True
    strict: bool = False
    templates: Path | None = None
    fetch_articles: bool = False
    backend: str = "auto"
    threads: int | None = None
    search: bool = True


def model_dir_from_env(given: Path | None) -> Path | None:
    if given is not None:
        return given
    value = os.environ.get(MODEL_DIR_VARIABLE, "").strip()
    return Path(value) if value else None


def make_settings(
    sources: tuple[str, ...] | list[str],
    *,
    out: Path = Path("site"),
    date: dt.date | None = None,
    model: str | None = None,
    model_dir: Path | None = None,
    bullets: int = DEFAULT_BULLETS,
    translate: bool = True,
    strict: bool = False,
    templates: Path | None = None,
    fetch_articles: bool = False,
    backend: str = "auto",
    threads: int | None = None,
    search: bool = True,
) -> Settings:
    if not sources:
        raise UsageError(
            "no sources given; name files or folders of articles, e.g. `digest build seeds/`"
        )
    if bullets < 1:
        raise UsageError(f"--bullets must be at least 1, got {bullets}")
    if templates is not None and not templates.is_dir():
        raise UsageError(f"--templates {templates}: no such folder; name a folder of templates")
    if backend not in BACKENDS:
        raise UsageError(f"--backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    if threads is not None and threads < 1:
        raise UsageError(f"--threads must be at least 1, got {threads}")
    return Settings(
        sources=tuple(str(s) for s in sources),
        out=out,
        date=date,
        model=model,
        model_dir=model_dir_from_env(model_dir),
        bullets=bullets,
        translate=translate,
        strict=strict,
        templates=templates,
        fetch_articles=fetch_articles,
        backend=backend,
        threads=threads,
        search=search,
    )
