"""How a backend searches for a translation, in one frozen object both backends read.

The first pass uses the model's own generation config (beam width, length limit) as its authors
tuned it. A line that fails a guard is decoded once more with ``safer``: a wider beam, a
repetition penalty, no repeated 3-grams, and length bounds drawn from the source, which breaks
loops and stops empty or truncated outputs without changing lines that were fine.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

DEFAULT_MAX_LENGTH = 256
SAFER_BEAM = 5
SAFER_REPETITION_PENALTY = 1.2
SAFER_NO_REPEAT_NGRAM = 3


@dataclass(frozen=True)
class Decoding:
    """``max_length`` and ``min_length`` count output tokens, start token included (as in
    transformers' ``generate``)."""

    beam: int = 1
    max_length: int = DEFAULT_MAX_LENGTH
    min_length: int = 0
    repetition_penalty: float = 1.0
    no_repeat_ngram: int = 0

    @classmethod
    def of_model(cls, folder: Path) -> Decoding:
        """The model's generation_config.json, where it has one."""
        try:
            config = json.loads((folder / "generation_config.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            config = {}
        return cls(
            beam=int(config.get("num_beams") or 1),
            max_length=int(config.get("max_length") or DEFAULT_MAX_LENGTH),
        )

    def safer(self, source_tokens: int) -> Decoding:
        longest = min(self.max_length, 2 * source_tokens + 10)
        return replace(
            self,
            beam=max(self.beam, SAFER_BEAM),
            min_length=min(max(2, source_tokens // 3), longest),
            max_length=longest,
            repetition_penalty=SAFER_REPETITION_PENALTY,
            no_repeat_ngram=SAFER_NO_REPEAT_NGRAM,
        )

    def forced(self, length: int) -> Decoding:
        """Exactly ``length`` new tokens: for measuring speed on random weights."""
        return replace(self, min_length=length + 1, max_length=length + 1)
