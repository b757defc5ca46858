"""Whole sentences in, checked English out, over any engine.

Every backend gets the same treatment: a sentence longer than the model handles well is cut at
clause boundaries and its parts translated and joined (never truncated); parts go to the engine
in length-sorted, token-bounded batches and come back in input order; each output is checked by
the guards, a failure is decoded once more with safer settings, and a part still failing marks
its sentence for review with the reason.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator, Sequence
from typing import Protocol

from tqdm import tqdm

from digest.news import Bilingual
from digest.translate import guards
from digest.translate.decoding import Decoding
from digest.translate.device import BatchBudget
from digest.translate.models import ResolvedModel
from digest.translate.splitting import split_clauses

PROGRESS_OVER = 8
COMFORTABLE_TOKENS = 200

log = logging.getLogger(__name__)


class Engine(Protocol):
    """A loaded model that decodes batches; digest/translate/*_backend.py implement it."""

    model: ResolvedModel
    backend: str
    compute_type: str
    limit: int
    decoding: Decoding
    budget: BatchBudget

    def lengths(self, texts: Sequence[str]) -> list[int]: ...

    def generate(self, texts: Sequence[str], decoding: Decoding) -> list[str]: ...


class GuardedTranslator:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.model = engine.model
        self.backend = f"{engine.backend}-{engine.compute_type}"
        self.budget = min(engine.limit, COMFORTABLE_TOKENS)

    def fits(self, text: str) -> bool:
        return self.engine.lengths([text])[0] <= self.budget

    def translate(self, sentences: Sequence[str]) -> list[Bilingual]:
        if not sentences:
            return []
        pieces = [split_clauses(sentence, self.fits) for sentence in sentences]
        parts = list(dict.fromkeys(part for sentence in pieces for part in sentence))
        if len(parts) > len(sentences):
            log.info(
                "cut %d long sentence(s) at clause boundaries", sum(len(p) > 1 for p in pieces)
            )
        lengths = dict(zip(parts, self.engine.lengths(parts), strict=True))
        english = self.decode(parts, lengths)
        checked = {part: self.check(part, english[part], lengths[part]) for part in parts}
        results = []
        for sentence, own in zip(sentences, pieces, strict=True):
            reasons = list(dict.fromkeys(r for p in own if (r := checked[p][1])))
            results.append(
                Bilingual(
                    ar=sentence,
                    en=" ".join(checked[p][0] for p in own),
                    review="; ".join(reasons) or None,
                )
            )
        return results

    def decode(self, parts: list[str], lengths: dict[str, int]) -> dict[str, str]:
        order = sorted(parts, key=lengths.__getitem__)
        english: dict[str, str] = {}
        with tqdm(
            total=len(parts),
            desc="translating",
            unit="sentence",
            file=sys.stderr,
            disable=len(parts) <= PROGRESS_OVER,
        ) as progress:
            for batch in batches(order, lengths, self.engine.budget):
                english.update(
                    zip(batch, self.engine.generate(batch, self.engine.decoding), strict=True)
                )
                progress.update(len(batch))
        return english

    def check(self, source: str, output: str, length: int) -> tuple[str, str | None]:
        """(English to print, reason for review or None): one retry with safer decoding."""
        reason = guards.problem(source, output)
        if reason is None:
            return output, None
        (retry,) = self.engine.generate([source], self.engine.decoding.safer(length))
        second = guards.problem(source, retry)
        if second is None:
            return retry, None
        if output.strip():
            return output, reason
        return retry, second


def batches(order: list[str], lengths: dict[str, int], budget: BatchBudget) -> Iterator[list[str]]:
    """Consecutive runs of the length-sorted texts, each within the engine's budget of
    sentences and padded source tokens."""
    batch: list[str] = []
    for text in order:
        if batch and (
            len(batch) == budget.sentences or lengths[text] * (len(batch) + 1) > budget.tokens
        ):
            yield batch
            batch = []
        batch.append(text)
    if batch:
        yield batch
