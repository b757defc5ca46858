"""Whether a story as shown can be trusted to keep what its sentences say.

Two measurements of the summaries themselves, independent of how they were chosen, so the same
code measures any summariser:

- clause keeping: of the stories whose headline was cut from a longer sentence, the share whose
  headline and bullets still show every clause of that sentence (the cut clause is often the
  news: «…، إلا أنهم لم يتمكنوا من التوصل إلى اتفاق نهائي»). Target 100%.
- orphans: the share of bullets that open with a back-reference («جاء ذلك», «وأضاف») while the
  sentence they refer to is shown whole neither as a bullet nor as the headline (a headline cut
  from it does not show it). Target 0%.

It also counts bullets that are questions (an interviewer's, on an interview page).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from digest.arabic import comparable, segment
from digest.news import Article, Sentence, Story, Summary
from digest.stories.references import is_question, refers_back
from digest.stories.summarise import CLAUSE_END, DEFAULT_BULLETS, summarise_story

if TYPE_CHECKING:
    from digest.evaluate.reports import Report


@dataclass(frozen=True)
class Completeness:
    stories: int
    cut: int
    kept: int
    bullets: int
    back_references: int
    orphans: int
    questions: int

    @property
    def clause_share(self) -> float | None:
        """Percent of cut headlines whose clauses all reach the reader; None when none was cut."""
        return 100 * self.kept / self.cut if self.cut else None

    @property
    def orphan_share(self) -> float:
        return 100 * self.orphans / self.bullets if self.bullets else 0.0

    def __add__(self, other: Completeness) -> Completeness:
        return Completeness(*(a + b for a, b in zip(self.counts(), other.counts(), strict=True)))

    def counts(self) -> tuple[int, ...]:
        return (
            self.stories,
            self.cut,
            self.kept,
            self.bullets,
            self.back_references,
            self.orphans,
            self.questions,
        )


NOTHING = Completeness(0, 0, 0, 0, 0, 0, 0)
FIELDS = ("stories", "cut", "kept", "bullets", "back_references", "orphans", "questions")


def clauses(sentence: str) -> list[str]:
    return [c for c in (comparable(part).strip(" .") for part in CLAUSE_END.split(sentence)) if c]


def sentences_of(story: Story) -> dict[tuple[str, int], Sentence]:
    return {
        (article.id, s.position): s
        for article in story.articles
        for s in segment(article.paragraphs)
    }


def headline_source(story: Story, summary: Summary, found: dict) -> Sentence | None:
    """The sentence a headline was cut from: at its position, in the article it begins."""
    if summary.headline_position is None:
        return None
    for article in story.articles:
        sentence = found.get((article.id, summary.headline_position))
        if sentence and sentence.text.startswith(summary.headline):
            return sentence
    return None


def measure_story(story: Story, summary: Summary) -> Completeness:
    found = sentences_of(story)
    shown = [summary.headline, *(b.text for b in summary.bullets)]
    visible = comparable(" ".join(shown))
    source = headline_source(story, summary, found)
    cut = source is not None and source.text != summary.headline
    kept = source is not None and cut and all(c in visible for c in clauses(source.text))
    titles = {a.id: a.title for a in story.articles}
    texts = {comparable(t) for t in shown}
    back = orphans = 0
    for bullet in summary.bullets:
        if not refers_back(bullet.text):
            continue
        back += 1
        before = found.get((bullet.article, bullet.position - 1))
        antecedent = before.text if before else titles.get(bullet.article)
        if antecedent is None or comparable(antecedent) not in texts:
            orphans += 1
    questions = sum(is_question(b.text) for b in summary.bullets)
    return Completeness(1, int(cut), int(kept), len(summary.bullets), back, orphans, questions)


def measure(
    stories: Sequence[Story],
    summarise: Callable[[Story, int], Summary] = summarise_story,
    bullets: int = DEFAULT_BULLETS,
) -> Completeness:
    total = NOTHING
    for story in stories:
        total = total + measure_story(story, summarise(story, bullets))
    return total


def report(ntrex: Path, sources: Sequence[str]) -> Report:
    """`digest eval completeness`: NTREX's documents (each its own story, no title: the headline
    is chosen from the body), then each source as `digest build` would group it."""
    from digest.evaluate.reports import Report, command
    from digest.evaluate.summaries import read_ntrex
    from digest.ingest import read_sources
    from digest.stories.cluster import cluster

    corpora = {
        "NTREX (Arabic side)": [
            Story(articles=(Article(id=d.id, origin=d.id, paragraphs=d.body),))
            for d in read_ntrex(ntrex)
        ]
    }
    for source in sources:
        corpora[source] = cluster(read_sources([source]).articles)
    results = {name: measure(stories) for name, stories in corpora.items()}
    line = " ".join(
        [command("eval", "completeness", ntrex=ntrex), *(f"--articles {s}" for s in sources)]
    )
    return Report(
        key="eval-completeness",
        heading="## Headlines and bullets a reader can trust\n\n"
        "Clause keeping: of the stories whose headline was cut from a longer sentence, the share "
        "whose headline and bullets still show every clause of that sentence (target 100%). "
        "Orphans: the share of bullets opening with a back-reference («جاء ذلك», «وأضاف», "
        "«من جهته» …) whose antecedent is not shown whole (target 0%). Questions: bullets that "
        f"are questions. {DEFAULT_BULLETS} bullets per story (up to two more for a story of "
        f"several reports and outlets). `{line}`.",
        header=(
            "articles",
            "stories",
            "cut headlines",
            "clauses kept",
            "bullets",
            "back-references",
            "orphans",
            "questions",
        ),
        rows=tuple(
            (
                name,
                str(m.stories),
                str(m.cut),
                "-" if m.clause_share is None else f"{m.clause_share:.1f}% ({m.kept}/{m.cut})",
                str(m.bullets),
                str(m.back_references),
                f"{m.orphan_share:.1f}% ({m.orphans})",
                str(m.questions),
            )
            for name, m in results.items()
        ),
        payload={
            name: {
                **dict(zip(FIELDS, m.counts(), strict=True)),
                "clause_share": m.clause_share,
                "orphan_share": m.orphan_share,
            }
            for name, m in results.items()
        },
    )
