"""The result of one `digest eval` run as a table, a JSON payload and a BENCHMARKS.md section.

A section records the exact command that reproduces it, so a figure in BENCHMARKS.md can be
checked by running that line; sections are keyed by what they measure (for translation: the model
and the engine), so one run never overwrites another's figures.
"""

from __future__ import annotations

import dataclasses
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from digest.evaluate import report, summaries
from digest.evaluate.summaries import EascArticle, NtrexDocument, Scores
from digest.evaluate.translation import TranslationScores


@dataclass(frozen=True)
class Report:
    key: str
    heading: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    payload: dict[str, Any]

    def table(self) -> str:
        return report.table(self.header, self.rows)

    def write(self, benchmarks: Path) -> None:
        report.update_section(benchmarks, self.key, f"{self.heading}\n\n{self.table()}")


def command(*words: str, **options: object) -> str:
    """The `digest` command line with the options that were given (None and False left out)."""
    parts = ["digest", *words]
    for name, value in options.items():
        if value is None or value is False:
            continue
        parts.append("--" + name.replace("_", "-"))
        if value is not True:
            parts.append(str(value))
    return shlex.join(parts)


def easc(folder: Path) -> Report:
    """`digest eval summarise --easc FOLDER`."""
    articles = summaries.read_easc(folder)
    line = command("eval", "summarise", easc=folder)
    return summarise_report(articles, summaries.evaluate_easc(articles), line)


def ntrex(folder: Path) -> Report:
    """`digest eval headlines --ntrex FOLDER`."""
    documents = summaries.read_ntrex(folder)
    line = command("eval", "headlines", ntrex=folder)
    return headlines_report(documents, summaries.evaluate_headlines(documents), line)


def summarise_report(articles: list[EascArticle], scores: dict[str, Scores], line: str) -> Report:
    baseline = scores["Lead-k"].rouge1_per_article
    gaps = {
        name: summaries.paired_bootstrap(s.rouge1_per_article, baseline)
        for name, s in scores.items()
        if name != "Lead-k"
    }
    return Report(
        key="eval-summarise-easc",
        heading=f"## Summary quality: EASC ({len(articles)} articles)\n\n"
        "ROUGE F1 (%) against the 5 human extracts of each article, averaged over references "
        "and articles; k per article = rounded mean length of its references. Hard-wrapped "
        "article lines are rejoined as the annotators saw them. Arabic tokens: normalised, "
        "Unicode word characters, no stemming. The last column is the ROUGE-1 gap to Lead-k "
        "with its 95% interval by paired bootstrap resampling of the articles "
        f"({summaries.BOOTSTRAP_RESAMPLES} resamples, seed {summaries.BOOTSTRAP_SEED}). "
        f"`{line}`.",
        header=("method", "ROUGE-1", "ROUGE-2", "ROUGE-1 vs Lead-k (95% interval)"),
        rows=tuple(
            (
                name,
                f"{s.rouge1:.2f}",
                f"{s.rouge2:.2f}",
                f"{gaps[name].mean:+.2f} ({gaps[name].low:+.2f} to {gaps[name].high:+.2f})"
                if name in gaps
                else "",
            )
            for name, s in scores.items()
        ),
        payload={
            "articles": len(articles),
            "scores": {n: {"rouge1": s.rouge1, "rouge2": s.rouge2} for n, s in scores.items()},
            "rouge1_vs_lead": {n: dataclasses.asdict(d) for n, d in gaps.items()},
        },
    )


def headlines_report(documents: list[NtrexDocument], scores: dict[str, float], line: str) -> Report:
    return Report(
        key="eval-headlines-ntrex",
        heading=f"## Headlines: NTREX ({len(documents)} documents)\n\n"
        "ROUGE-1 F1 (%) of the headline chosen from each document's body (its first line, the "
        f"real headline, removed) against the real headline. `{line}`.",
        header=("headline", "ROUGE-1"),
        rows=tuple((name, f"{value:.2f}") for name, value in scores.items()),
        payload={"documents": len(documents), "rouge1": scores},
    )


def translation_report(
    name: str, engine: str, revision: str, source: Path, scores: TranslationScores, line: str
) -> Report:
    return Report(
        key=f"eval-translate-{name}-{engine}",
        heading=f"## Translation quality: {name}, {engine}, on {source.name} "
        f"({scores.lines} lines)\n\n"
        f"Revision {revision}. BLEU `{scores.bleu_signature}`; chrF `{scores.chrf_signature}`. "
        f"`{line}`.",
        header=("model", "engine", "BLEU", "chrF", "flagged for review"),
        rows=((name, engine, f"{scores.bleu:.2f}", f"{scores.chrf:.2f}", str(scores.flagged)),),
        payload={"model": name, "engine": engine, **dataclasses.asdict(scores)},
    )
