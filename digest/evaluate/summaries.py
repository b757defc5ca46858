"""Measuring summaries against people's: ROUGE on EASC, headlines against NTREX's real ones.

ROUGE here tokenises Arabic itself: the usual rouge-score tokeniser keeps only [a-z0-9] and would
score every Arabic summary zero. Text is normalised (diacritics and tatweel removed, alef, ya and
ta marbuta variants unified) and split into Unicode word characters; nothing is stemmed or
dropped, so the scores are comparable with published ones.
"""

from __future__ import annotations

import random
import re
import statistics
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from digest.arabic import CLOSERS, TERMINATORS, normalise, segment, terms
from digest.errors import SourceError
from digest.news import Article
from digest.stories import summarise

TOKEN = re.compile(r"\w+")
SENTENCE_END = TERMINATORS + CLOSERS


def tokens(text: str) -> list[str]:
    return TOKEN.findall(normalise(text).lower())


def ngrams(words: list[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(words[i : i + n]) for i in range(len(words) - n + 1))


def rouge_n(candidate: str, reference: str, n: int) -> float:
    """ROUGE-N F1 with clipped n-gram counts."""
    cand, ref = (ngrams(tokens(text), n) for text in (candidate, reference))
    overlap = sum((cand & ref).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(cand.values()), overlap / sum(ref.values())
    return 2 * precision * recall / (precision + recall)


def read_text(path: Path) -> str:
    return path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n")


def sentences_of(text: str) -> list[str]:
    return [s.text for s in segment(line for line in text.split("\n") if line.strip())]


def unwrap(text: str) -> str:
    """Join the lines of a hard-wrapped article back into its sentences.

    EASC's newspaper articles break lines every dozen words, mid-sentence; split there, every
    method would pick line fragments. The annotators saw the text with those line breaks simply
    removed (their extracts run the words on either side together, "يوم" + "الثلاثاء" as
    "يومالثلاثاء"), so a line that does not end a sentence is joined to the next the same way,
    and system and reference sentences are the same units.
    """
    lines: list[str] = []
    for line in (line.strip() for line in text.split("\n")):
        if lines and lines[-1] and line and lines[-1][-1] not in SENTENCE_END:
            lines[-1] += line
        else:
            lines.append(line)
    return "\n".join(lines)


@dataclass(frozen=True)
class EascArticle:
    topic: str
    sentences: tuple[str, ...]
    references: tuple[str, ...]

    @property
    def k(self) -> int:
        """Sentences to pick: the rounded mean length of the references."""
        counts = [len(sentences_of(r)) for r in self.references]
        return max(1, round(sum(counts) / len(counts)))


def read_easc(folder: Path) -> list[EascArticle]:
    articles_dir, references_dir = folder / "Articles", folder / "MTurk"
    if not articles_dir.is_dir() or not references_dir.is_dir():
        raise SourceError(f"{folder} is not an EASC folder: expected Articles/ and MTurk/ in it")
    out = []
    for topic in sorted(articles_dir.iterdir(), key=lambda p: p.name):
        texts = [p for p in topic.iterdir() if p.suffix.lower() == ".txt"]
        refs = (
            sorted((references_dir / topic.name).glob("*"))
            if (references_dir / topic.name).is_dir()
            else []
        )
        if len(texts) != 1 or not refs:
            raise SourceError(
                f"{topic}: expected one article and its references in MTurk/{topic.name}"
            )
        out.append(
            EascArticle(
                topic=topic.name,
                sentences=tuple(sentences_of(unwrap(read_text(texts[0])))),
                references=tuple(read_text(r) for r in refs),
            )
        )
    return out


def lead(sentences: Sequence[str], k: int) -> list[int]:
    return list(range(min(k, len(sentences))))


def textrank(sentences: Sequence[str], k: int) -> list[int]:
    """Plain TextRank: PageRank over the cosine-similarity graph of the sentences, top k."""
    vectors = [Counter(terms(s)) for s in sentences]
    weights = [
        [summarise.cosine(a, b) if i != j else 0.0 for j, b in enumerate(vectors)]
        for i, a in enumerate(vectors)
    ]
    rank = summarise.pagerank(weights) if sentences else []
    return sorted(sorted(range(len(sentences)), key=lambda i: (-rank[i], i))[:k])


METHODS: dict[str, Callable[[Sequence[str], int], list[int]]] = {
    "digest": summarise.select,
    "Lead-k": lead,
    "TextRank-k": textrank,
}


BOOTSTRAP_RESAMPLES = 1000
BOOTSTRAP_SEED = 12345


@dataclass(frozen=True)
class Scores:
    """Percent F1, and each article's ROUGE-1 so that two methods can be compared article by
    article."""

    rouge1: float
    rouge2: float
    rouge1_per_article: tuple[float, ...] = ()


@dataclass(frozen=True)
class Difference:
    """How far one method is ahead of another, with a 95% confidence interval."""

    mean: float
    low: float
    high: float


def paired_bootstrap(system: Sequence[float], baseline: Sequence[float]) -> Difference:
    """The mean per-item difference and its 95% interval by paired bootstrap resampling.

    A hundred articles score very differently from one another, so a gap of a point between two
    methods can be luck; resampling the same articles for both methods (as sacrebleu's paired
    bootstrap does for BLEU, with the same seed and resample count) says how much of it would
    survive on other articles like these. The seed is fixed so that the report is reproducible.
    """
    gaps = [a - b for a, b in zip(system, baseline, strict=True)]
    if not gaps:
        return Difference(0.0, 0.0, 0.0)
    rng = random.Random(BOOTSTRAP_SEED)
    means = sorted(
        statistics.fmean(rng.choices(gaps, k=len(gaps))) for _ in range(BOOTSTRAP_RESAMPLES)
    )
    return Difference(
        statistics.fmean(gaps),
        means[int(0.025 * BOOTSTRAP_RESAMPLES)],
        means[int(0.975 * BOOTSTRAP_RESAMPLES) - 1],
    )


def evaluate_easc(articles: Sequence[EascArticle]) -> dict[str, Scores]:
    """Mean over articles of the mean over references of ROUGE-1/2 F1, in percent."""
    per_article: dict[str, list[tuple[float, float]]] = {name: [] for name in METHODS}
    for article in articles:
        for name, method in METHODS.items():
            summary = " ".join(article.sentences[i] for i in method(article.sentences, article.k))
            rouge1, rouge2 = (
                100
                * sum(rouge_n(summary, ref, n) for ref in article.references)
                / len(article.references)
                for n in (1, 2)
            )
            per_article[name].append((rouge1, rouge2))
    return {
        name: Scores(
            statistics.fmean(r1 for r1, _ in rows) if rows else 0.0,
            statistics.fmean(r2 for _, r2 in rows) if rows else 0.0,
            tuple(r1 for r1, _ in rows),
        )
        for name, rows in per_article.items()
    }


@dataclass(frozen=True)
class NtrexDocument:
    id: str
    headline: str
    body: tuple[str, ...]


def read_ntrex(folder: Path) -> list[NtrexDocument]:
    ids_path, text_path = folder / "DOCUMENT_IDS.tsv", folder / "newstest2019-ref.arb.txt"
    if not ids_path.is_file() or not text_path.is_file():
        raise SourceError(
            f"{folder} is not an NTREX folder: expected DOCUMENT_IDS.tsv and newstest2019-ref.arb.txt"
        )
    documents: dict[str, list[str]] = {}
    ids = read_text(ids_path).split("\n")
    for doc_id, line in zip(ids, read_text(text_path).split("\n"), strict=False):
        if doc_id.strip():
            documents.setdefault(doc_id.strip(), []).append(line.strip())
    return [
        NtrexDocument(doc_id, lines[0], tuple(lines[1:])) for doc_id, lines in documents.items()
    ]


def evaluate_headlines(documents: Sequence[NtrexDocument]) -> dict[str, float]:
    """ROUGE-1 F1 (percent) of the chosen headline against the real one, beside the first sentence."""
    ours = first = 0.0
    for doc in documents:
        article = Article(id=doc.id, origin=doc.id, paragraphs=doc.body)
        ours += rouge_n(summarise.summarise(article).headline, doc.headline, 1)
        sentences = segment(doc.body)
        first += rouge_n(sentences[0].text if sentences else "", doc.headline, 1)
    count = len(documents) or 1
    return {"digest": 100 * ours / count, "first sentence": 100 * first / count}
