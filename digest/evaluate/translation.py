"""`digest eval translate`: corpus BLEU and chrF with sacrebleu, the scores published MT work uses.

sacrebleu's signature travels with every score: it names the tokenizer, smoothing and version, so
a number here can be compared with a published one or rejected as not comparable.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from digest.errors import SourceError
from digest.translate import Translator


@dataclass(frozen=True)
class TranslationScores:
    lines: int
    bleu: float
    chrf: float
    bleu_signature: str
    chrf_signature: str
    flagged: int


def read_lines(path: Path, what: str) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise SourceError(f"cannot read the {what} file {path}: {error}") from None
    return text.rstrip("\n").split("\n") if text.strip() else []


def read_pair(src: Path, ref: Path, limit: int | None = None) -> tuple[list[str], list[str]]:
    """Aligned source and reference lines; a count mismatch is an error, not a silent zip."""
    sources, references = read_lines(src, "source"), read_lines(ref, "reference")
    if len(sources) != len(references):
        raise SourceError(
            f"{src} has {len(sources)} lines but {ref} has {len(references)}; "
            "give line-aligned source and reference files"
        )
    if not sources:
        raise SourceError(f"{src} is empty; give a file of source sentences, one per line")
    if limit is not None:
        sources, references = sources[:limit], references[:limit]
    return sources, references


def score(translator: Translator, sources: list[str], references: list[str]) -> TranslationScores:
    import sacrebleu

    pairs = translator.translate(sources)
    hypotheses = [pair.en or "" for pair in pairs]
    bleu, chrf = sacrebleu.BLEU(), sacrebleu.CHRF()
    bleu_score = bleu.corpus_score(hypotheses, [references])
    chrf_score = chrf.corpus_score(hypotheses, [references])
    return TranslationScores(
        lines=len(sources),
        bleu=bleu_score.score,
        chrf=chrf_score.score,
        bleu_signature=str(bleu.get_signature()),
        chrf_signature=str(chrf.get_signature()),
        flagged=sum(pair.review is not None for pair in pairs),
    )
