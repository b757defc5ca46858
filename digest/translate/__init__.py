"""Translation: one protocol, backends behind it.

Backends import their heavy libraries (torch, transformers) only when a model is loaded, so the
CLI, ingestion and rendering start fast and run on machines without them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from digest.models import ResolvedModel
from digest.news import Bilingual

BACKENDS = ("transformers",)


class Translator(Protocol):
    """Arabic sentences in, English out, one result per input, in input order."""

    model: ResolvedModel
    backend: str

    def translate(self, sentences: Sequence[str]) -> list[Bilingual]: ...


def load_translator(model: ResolvedModel, backend: str = "transformers") -> Translator:
    """Load a model once; the caller reuses the translator for the whole run."""
    if backend == "transformers":
        from digest.translate.transformers_backend import TransformersTranslator

        return TransformersTranslator(model)
    raise ValueError(f"unknown backend {backend!r}")
