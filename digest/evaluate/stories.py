"""How close the build's stories come to a person's topics: `digest eval stories`.

A topic (the labels' ``topic``) is a seminal event and everything directly tied to it, whichever
outlet tells it. The build's stories are scored against them three ways:

- B-cubed precision, recall and F1 (Bagga and Baldwin 1998), every article counted, singletons
  included: an article's precision is the share of its story that shares its topic, its recall
  the share of its topic that shares its story. A split topic costs recall, a merge of topics
  precision, in proportion to the articles each touches.
- For the largest topics carried by several outlets: over how many stories each is split, the
  share of its articles in its main story (the story holding most of them) and where that story
  stands in the issue; and every topic of MIN_KEPT_SIZE or more articles that keeps less than
  KEPT_SHARE in its main story.
- Lead recall: of the topics an editor would lead with (the ``.leads`` file beside the labels),
  how many have their main story among the issue's first LEAD_STORIES.

The labels are JSON lines, one ``{"id", "topic", "source", "title"}`` per article; ``id`` is the
article's own id in its source (the JSON lines' ``id`` field), its URL or digest's article id.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from digest.errors import SourceError
from digest.news import Article, Story

LEAD_STORIES = 12
LARGEST = 10
MIN_KEPT_SIZE = 5
KEPT_SHARE = 0.6


@dataclass(frozen=True)
class Labels:
    """A person's topics: ``topic`` by article id, in the file's order; ``leads``: the topics
    an editor would lead with, best first."""

    topic: Mapping[str, str]
    leads: tuple[str, ...]


@dataclass(frozen=True)
class BCubed:
    precision: float
    recall: float
    f1: float


@dataclass(frozen=True)
class TopicResult:
    """A topic's place in the issue; a topic none of whose articles is there has size and main
    rank 0."""

    topic: str
    size: int
    outlets: int
    stories: int
    main_share: float
    main_rank: int


@dataclass(frozen=True)
class StoriesEvaluation:
    day: dt.date | None
    articles: int
    stories: int
    missing: tuple[str, ...]
    scores: BCubed
    largest: tuple[TopicResult, ...]
    scattered: tuple[TopicResult, ...]
    leads: tuple[TopicResult, ...]

    @property
    def lead_recall(self) -> int:
        return sum(0 < lead.main_rank <= LEAD_STORIES for lead in self.leads)

    def payload(self) -> dict:
        out = asdict(self)
        out["day"] = self.day.isoformat() if self.day else None
        out["lead_recall"] = self.lead_recall
        out["lead_stories"] = LEAD_STORIES
        return out


def read_labels(path: Path) -> Labels:
    """The labels and, when there is one, the ``.leads`` file of the same name (one topic a
    line; ``#`` starts a comment)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SourceError(f"cannot read the labels {path}: {error}") from None
    topic: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            key, value = record["id"], record["topic"]
        except (json.JSONDecodeError, TypeError, KeyError):
            raise SourceError(
                f"{path}:{number}: expected a JSON object with 'id' and 'topic'"
            ) from None
        topic[str(key)] = str(value)
    if not topic:
        raise SourceError(f"{path} holds no labels")
    leads_file = path.with_suffix(".leads")
    leads: list[str] = []
    if leads_file.exists():
        try:
            listed = leads_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise SourceError(f"cannot read the leads {leads_file}: {error}") from None
        for line in listed.splitlines():
            if name := line.split("#", 1)[0].strip():
                leads.append(name)
    return Labels(topic=topic, leads=tuple(leads))


def bcubed(story: Mapping[str, object], topic: Mapping[str, object]) -> BCubed:
    """B-cubed over the articles both mappings label (article id to story, article id to topic)."""
    ids = [i for i in topic if i in story]
    if not ids:
        return BCubed(0.0, 0.0, 0.0)
    pairs = Counter((story[i], topic[i]) for i in ids)
    in_story = Counter(story[i] for i in ids)
    in_topic = Counter(topic[i] for i in ids)
    precision = sum(n * n / in_story[s] for (s, _), n in pairs.items()) / len(ids)
    recall = sum(n * n / in_topic[t] for (_, t), n in pairs.items()) / len(ids)
    return BCubed(precision, recall, 2 * precision * recall / (precision + recall))


def topic_result(name: str, members: Sequence[Article], rank_of: Mapping[str, int]) -> TopicResult:
    """``rank_of``: each article's story, as that story's 1-based place in the issue."""
    held = Counter(rank_of[a.id] for a in members)
    main, count = min(held.items(), key=lambda item: (-item[1], item[0]))
    return TopicResult(
        topic=name,
        size=len(members),
        outlets=len({a.source for a in members if a.source}),
        stories=len(held),
        main_share=count / len(members),
        main_rank=main,
    )


def evaluate(
    ranked: Sequence[Story], labels: Labels, missing: Sequence[str] = ()
) -> StoriesEvaluation:
    """Score ``ranked`` (the issue's stories in order) against ``labels``; the articles' ids are
    the labels' ids."""
    rank_of = {a.id: place for place, s in enumerate(ranked, start=1) for a in s.articles}
    members: defaultdict[str, list[Article]] = defaultdict(list)
    for story in ranked:
        for article in story.articles:
            if article.id in labels.topic:
                members[labels.topic[article.id]].append(article)
    results = {name: topic_result(name, group, rank_of) for name, group in members.items()}
    by_size = sorted(results.values(), key=lambda t: (-t.size, -t.outlets, t.topic))
    dates = [a.published for s in ranked for a in s.articles if a.published]
    return StoriesEvaluation(
        day=max(dates, default=None),
        articles=len(rank_of),
        stories=len(ranked),
        missing=tuple(missing),
        scores=bcubed(rank_of, labels.topic),
        largest=tuple(t for t in by_size if t.outlets >= 2)[:LARGEST],
        scattered=tuple(
            t for t in by_size if t.size >= MIN_KEPT_SIZE and t.main_share < KEPT_SHARE
        ),
        leads=tuple(results.get(name, TopicResult(name, 0, 0, 0, 0.0, 0)) for name in labels.leads),
    )


def record_ids(sources: Sequence[str | Path]) -> dict[str, str]:
    """For JSON lines files among ``sources``: each line's own ``id`` by the origin digest gives
    the article read from it (``PATH:LINE``)."""
    found: dict[str, str] = {}
    for source in sources:
        path = Path(source)
        if path.suffix != ".jsonl" or not path.is_file():
            continue
        with path.open(encoding="utf-8", errors="replace") as lines:
            for number, line in enumerate(lines, start=1):
                try:
                    key = json.loads(line).get("id")
                except (json.JSONDecodeError, AttributeError):
                    continue
                if key is not None:
                    found[f"{path}:{number}"] = str(key)
    return found


def read_by_id(source: Path, ids: Collection[str], folder: Path) -> dict[str, Article]:
    """The articles of the JSON lines file ``source`` whose own ``id`` is in ``ids``, read as a
    build reads them and keyed by that id: only their lines are copied into ``folder`` and read,
    so a month's file costs what the few articles asked for cost."""
    from digest.ingest import read_sources

    path = folder / source.name
    with source.open(encoding="utf-8") as lines:
        path.write_text(
            "".join(line for line in lines if json.loads(line).get("id") in ids), encoding="utf-8"
        )
    own = record_ids([path])
    return {own[a.origin]: a for a in read_sources([path]).articles}


def read_stories(source: Path, groups: Sequence[Sequence[str]], folder: Path) -> list[Story]:
    """Each group of ids as one story of those articles of ``source`` (read_by_id), in the
    group's order, each article known by its id there as labels know it."""
    read = read_by_id(source, {i for group in groups for i in group}, folder)
    return [Story(tuple(replace(read[i], id=i) for i in group)) for group in groups]


def labelled_articles(
    articles: Sequence[Article], labels: Labels, sources: Sequence[str | Path]
) -> tuple[list[Article], list[str]]:
    """The articles the labels name, each under the labels' id; and the labels' ids not found
    (by the source's own id, the URL or digest's id)."""
    own = record_ids(sources)
    chosen: dict[str, Article] = {}
    for article in articles:
        for key in (own.get(article.origin), article.url, article.id):
            if key is not None and key in labels.topic and key not in chosen:
                chosen[key] = replace(article, id=key)
                break
    missing = [key for key in labels.topic if key not in chosen]
    return list(chosen.values()), missing


def evaluate_sources(
    labels_path: Path,
    sources: Sequence[str],
    cluster: Callable[[Sequence[Article]], list[Story]] | None = None,
) -> StoriesEvaluation:
    """Read ``sources`` as a build does, keep the labelled articles, form and rank their stories
    as a build does (or with ``cluster``, to compare another clustering) and score them."""
    from digest import pipeline
    from digest.ingest import read_sources

    labels = read_labels(labels_path)
    ingested = read_sources(sources)
    articles, missing = labelled_articles(ingested.articles, labels, sources)
    if not articles:
        raise SourceError(f"none of the {len(labels.topic)} labelled articles is in the sources")
    stories = (cluster or pipeline.cluster)(articles)
    return evaluate(pipeline.by_reach(stories), labels, missing)


def table(result: StoriesEvaluation) -> str:
    """The evaluation as a reader checks it: the scores, then the topics."""
    from digest.evaluate.report import table as markdown

    s = result.scores
    lines = [
        f"{result.articles} articles, {result.stories} stories, issue of {result.day}"
        + (
            f"; {len(result.missing)} labelled ids not found: {', '.join(result.missing[:10])}"
            if result.missing
            else ""
        ),
        f"B-cubed precision {s.precision:.3f}, recall {s.recall:.3f}, F1 {s.f1:.3f}",
        f"lead recall {result.lead_recall}/{len(result.leads)} (main story among the first "
        f"{LEAD_STORIES})",
        "",
        "Largest topics across outlets:",
        markdown(TOPIC_HEADER, [topic_row(t) for t in result.largest]),
    ]
    if result.scattered:
        lines += [
            "",
            f"Topics of {MIN_KEPT_SIZE}+ articles under {KEPT_SHARE:.0%} in their main story:",
            markdown(TOPIC_HEADER, [topic_row(t) for t in result.scattered]),
        ]
    if result.leads:
        lines += ["", "Leads:", markdown(TOPIC_HEADER, [topic_row(t) for t in result.leads])]
    return "\n".join(lines)


TOPIC_HEADER = ("topic", "articles", "outlets", "stories", "in main story", "main story's rank")


def topic_row(t: TopicResult) -> tuple[str, ...]:
    return (
        t.topic,
        str(t.size),
        str(t.outlets),
        str(t.stories),
        f"{t.main_share:.0%}",
        str(t.main_rank) if t.size else "absent",
    )
