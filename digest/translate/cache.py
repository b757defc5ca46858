"""Every translated sentence kept in the shared SQLite state, so nothing is translated twice.

The key is the model's name and exact revision, the engine (backend and compute type) and the
Arabic sentence. The engine is part of the key because int8 CTranslate2 and float32 transformers
do not give identical English, and every issue's signature names the backend that made its lines:
a cached line made by another engine would make that signature false. Guard verdicts are stored
with the English, so a flagged line stays flagged.

The model is loaded only when some sentence is missing from the cache: a second build of the
same input imports no torch and loads no model (CTranslate2 is only asked whether there is a
GPU, to name the planned engine). Two builds at once are safe: SQLite serialises
the writes (WAL, busy wait) and ``INSERT OR IGNORE`` keeps the first of two equal answers.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from digest.news import Bilingual
from digest.state.rows import rows_in, stamp
from digest.state.store import Store
from digest.translate.models import ResolvedModel

if TYPE_CHECKING:
    from digest.translate import Translator


log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CacheStats:
    model: str
    revision: str
    engine: str
    sentences: int


class CachedTranslator:
    """A Translator that answers from the cache and loads the real one only for what is missing."""

    def __init__(
        self, model: ResolvedModel, engine: str, load: Callable[[], Translator], store: Store
    ) -> None:
        self.model = model
        self.store = store
        self.backend = engine
        self.load = load
        self.inner: Translator | None = None
        self.hits = 0
        self.translated = 0

    def key(self) -> tuple[str, str, str]:
        return (self.model.spec.name, self.model.revision, self.backend)

    def translate(self, sentences: Sequence[str]) -> list[Bilingual]:
        unique = list(dict.fromkeys(sentences))
        with self.store.connect() as conn:
            known = lookup(conn, self.key(), unique)
        missing = [s for s in unique if s not in known]
        if missing:
            if self.inner is None:
                self.inner = self.load()
                if self.inner.backend != self.backend:
                    known, missing = self.rekey(self.inner.backend, unique)
            fresh = self.inner.translate(missing)
            with self.store.connect() as conn, conn:
                now = stamp()
                conn.executemany(
                    "INSERT OR IGNORE INTO translations VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [(*self.key(), p.ar, p.en or "", p.review, now) for p in fresh],
                )
            known.update({p.ar: p for p in fresh})
        self.hits += len(unique) - len(missing)
        self.translated += len(missing)
        log.info(
            "translation: %d sentence(s), %d from the cache, %d translated",
            len(unique),
            len(unique) - len(missing),
            len(missing),
        )
        return [known[s] for s in sentences]

    def rekey(self, engine: str, unique: list[str]) -> tuple[dict[str, Bilingual], list[str]]:
        """The engine that loaded is not the one planned (the GPU could not be used): every line
        of the issue must come from the engine its signature names, so look up again under it."""
        self.backend = engine
        with self.store.connect() as conn:
            known = lookup(conn, self.key(), unique)
        return known, [s for s in unique if s not in known]


def lookup(
    conn: sqlite3.Connection, key: tuple[str, str, str], sentences: list[str]
) -> dict[str, Bilingual]:
    rows = rows_in(
        conn,
        "SELECT source, target, review FROM translations WHERE model = ? AND revision = ? "
        "AND engine = ? AND source IN ({keys})",
        key,
        sentences,
    )
    return {ar: Bilingual(ar=ar, en=en, review=review) for ar, en, review in rows}


def stats(store: Store) -> list[CacheStats]:
    with store.connect() as conn:
        rows = conn.execute(
            "SELECT model, revision, engine, COUNT(*) FROM translations "
            "GROUP BY model, revision, engine ORDER BY model, revision, engine"
        ).fetchall()
    return [CacheStats(*row) for row in rows]


def clear(store: Store, model: str | None = None) -> int:
    """Forget cached translations (of one model, or all); returns how many were removed."""
    with store.connect() as conn, conn:
        if model is None:
            removed = conn.execute("DELETE FROM translations").rowcount
        else:
            removed = conn.execute("DELETE FROM translations WHERE model = ?", (model,)).rowcount
    return removed
