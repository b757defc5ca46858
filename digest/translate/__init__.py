"""Translation: one protocol, backends behind it, a cache in front.

Backends import their heavy libraries (torch, transformers, ctranslate2) only when a model is
loaded, so the CLI, ingestion and rendering start fast and run on machines without them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

from digest.errors import ModelError, UsageError
from digest.models import ResolvedModel
from digest.news import Bilingual
from digest.store import Store
from digest.translate.convert import conversion_state, convert_command

BACKENDS = ("auto", "transformers", "ctranslate2")

log = logging.getLogger(__name__)


class Translator(Protocol):
    """Arabic sentences in, English out, one result per input, in input order."""

    model: ResolvedModel
    backend: str

    def translate(self, sentences: Sequence[str]) -> list[Bilingual]: ...


def choose_backend(model: ResolvedModel, backend: str = "auto") -> str:
    """``auto`` is CTranslate2 when a current conversion of the model is here, else transformers."""
    if backend not in BACKENDS:
        raise UsageError(f"unknown backend {backend!r}; use one of {', '.join(BACKENDS)}")
    state = conversion_state(model)
    if backend == "auto":
        if state == "stale":
            log.warning(
                "the CTranslate2 conversion of %s was made from other files; using transformers "
                "(run `%s` to convert again)",
                model.spec.name,
                convert_command(model),
            )
        return "ctranslate2" if state == "current" else "transformers"
    if backend == "ctranslate2" and state != "current":
        made = "is out of date" if state == "stale" else "is not here"
        raise ModelError(
            f"the CTranslate2 conversion of {model.spec.name} {made}; run "
            f"`{convert_command(model)}`, or pass --backend transformers"
        )
    return backend


def load_engine(model: ResolvedModel, backend: str, threads: int | None = None):
    if backend == "ctranslate2":
        from digest.translate.ctranslate2_backend import CTranslate2Engine

        return CTranslate2Engine(model, threads)
    from digest.translate.transformers_backend import TransformersEngine

    return TransformersEngine(model, threads)


def engine_name(backend: str) -> str:
    """The backend and its number format, e.g. ctranslate2-int8: what the cache and the issue
    signature name, known before the model is loaded."""
    if backend == "ctranslate2":
        from digest.translate.ctranslate2_backend import compute_type

        return f"ctranslate2-{compute_type()}"
    return "transformers-float32"


def load_translator(
    model: ResolvedModel,
    backend: str = "auto",
    threads: int | None = None,
    store: Store | None = None,
) -> Translator:
    """The translator for a whole run: guarded, cached in ``store`` (uncached without one), the
    model loaded once and only if needed."""
    from digest.translate.cache import CachedTranslator
    from digest.translate.faithful import GuardedTranslator

    chosen = choose_backend(model, backend)
    if store is None:
        return GuardedTranslator(load_engine(model, chosen, threads))
    return CachedTranslator(
        model,
        engine_name(chosen),
        lambda: GuardedTranslator(load_engine(model, chosen, threads)),
        store,
    )
