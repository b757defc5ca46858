"""build(settings) -> BuildResult: the stages in order, nothing else."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

from digest import arabic, dates
from digest.errors import BuildFailed, NothingNew
from digest.ingest import read_sources
from digest.ingest.fetch import FetchOptions
from digest.news import (
    ALSO_REPORTED,
    FULL,
    Article,
    Bilingual,
    Bullet,
    Failure,
    Issue,
    Sentence,
    Signature,
    SourceRef,
    Story,
    StoryDigest,
    Summary,
    story_id,
)
from digest.publish import render, site
from digest.settings import BuildSettings, require_sources
from digest.state.store import Store
from digest.stories import coverage, freshness, ranking, summarise
from digest.stories.cluster import cluster, word_grams
from digest.stories.ranking import by_reach
from digest.translate import Translator, load_translator, memory, models
from digest.version import __version__

__all__ = ["BuildResult", "build", "by_reach"]

TITLE = "Arabic press digest"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildResult:
    issue: Issue
    folder: Path
    failures: tuple[Failure, ...]
    article_ids: tuple[str, ...] = ()
    stale: tuple[Article, ...] = ()
    search_error: str | None = None
    strict: bool = False

    @property
    def failed(self) -> bool:
        """The whole --strict policy, decided here so the command line only maps it to an exit
        code: an article that could not be processed stops a strict build before it writes
        (BuildFailed), and a search index that could not be built fails it after, as the issue
        is readable without one."""
        return self.strict and self.search_error is not None


def issue_date(
    settings: BuildSettings, articles: tuple[Article, ...], zone: dt.tzinfo | None = None
) -> dt.date:
    """The date asked for, else the newest article's, else today in the issue's ``zone``."""
    published = [a.published for a in articles if a.published]
    return settings.date or max(published, default=None) or dates.today(zone)


def shown_lines(summary: Summary, place: str) -> tuple[str, ...]:
    """What of a story readers see in English: a full story's headline and bullets, an
    "Also reported" story's headline, and nothing of a story only the site lists (its Arabic
    headline), so a day of a thousand articles costs the model little more than its cut."""
    if place == FULL:
        return (summary.headline, *(b.text for b in summary.bullets))
    return (summary.headline,) if place == ALSO_REPORTED else ()


def translate_summaries(
    summaries: list[Summary], places: tuple[str, ...], translator: Translator | None
) -> dict[str, Bilingual]:
    """Every distinct Arabic line shown once, in one call, so the model batches across stories."""
    lines = list(
        dict.fromkeys(
            line
            for summary, place in zip(summaries, places, strict=True)
            for line in shown_lines(summary, place)
        )
    )
    if translator is None:
        return {line: Bilingual(ar=line, en=None) for line in lines}
    return {pair.ar: pair for pair in translator.translate(lines)}


def story_digest(
    story: Story, summary: Summary, place: str, translated: dict[str, Bilingual]
) -> StoryDigest:
    """The story as its place shows it: bullets only for a full story."""
    outlet = {a.id: a.source_name for a in story.articles}
    bullets = summary.bullets if place == FULL else ()

    def attributed(sentence: Sentence) -> Bullet:
        """The bullet named for its own outlet, then for each other outlet that said the same."""
        source = outlet[sentence.article]
        also = dict.fromkeys(outlet[a] for a in sentence.echoes if outlet[a] != source)
        return Bullet(translated[sentence.text], source, tuple(also))

    return StoryDigest(
        headline=translated.get(summary.headline, Bilingual(ar=summary.headline, en=None)),
        bullets=tuple(attributed(b) for b in bullets),
        sources=tuple(SourceRef(a.source_name, a.url, a.published) for a in story.articles),
        id=story_id(a.id for a in story.articles),
        section=ranking.section(story),
        place=place,
    )


# What each stage remembers of this build's text, so no sentence is split or folded twice:
# emptied after every build, so `digest schedule`, which builds day after day, holds none of it.
TEXT_CACHES = (
    arabic.segmented,
    arabic.sentence_terms,
    arabic.remembered,
    word_grams,
    summarise.fits,
    coverage.words,
)


def build(
    settings: BuildSettings,
    store: Store,
    skip: frozenset[str] = frozenset(),
    zone: dt.tzinfo | None = None,
) -> BuildResult:
    """``store`` keeps the translation cache and the translation memory; ``skip``: ids of
    articles already in an earlier issue (`digest run`), left out; ``zone``: the issue's time
    zone, for the date of an issue whose articles carry none."""
    try:
        return stages(settings, store, skip, zone)
    finally:
        for cached in TEXT_CACHES:
            cached.cache_clear()


def stages(
    settings: BuildSettings, store: Store, skip: frozenset[str], zone: dt.tzinfo | None = None
) -> BuildResult:
    require_sources(settings, "build")
    ingested = read_sources(
        settings.sources,
        fetch_articles=settings.fetch_articles,
        options=FetchOptions(allow_private=settings.allow_private_urls),
    )
    if ingested.failures and settings.strict:
        raise BuildFailed(
            f"{len(ingested.failures)} of {len(ingested.failures) + len(ingested.articles)} "
            "articles could not be processed and --strict is set; nothing was written"
        )
    ingested.require_articles()
    articles = tuple(a for a in ingested.articles if a.id not in skip)
    if not articles:
        raise NothingNew(f"all {len(ingested.articles)} articles were in earlier issues")
    day = issue_date(settings, articles, zone)
    fresh = freshness.sort_out(articles, day, settings.max_age, dates.today(zone))
    if not fresh.kept:
        left = "is left" if fresh.later else "is recent enough"
        raise NothingNew(f"{fresh.summary()}: none {left} for the issue of {day}")
    if fresh.left_out:
        log.info("%s", fresh.summary())
    articles = fresh.kept

    model = None
    if settings.translate:
        model = models.resolve(settings.model, settings.model_dir)

    plan = ranking.parse(settings.sections)
    ranked = ranking.rank(cluster(articles), plan, settings.stories, settings.also_reported)
    stories = [story for story, _ in ranked]
    places = tuple(place for _, place in ranked)
    summaries = [
        summarise.summarise_story(story, settings.bullets)
        if place == FULL
        else summarise.headline_only(story)
        for story, place in ranked
    ]
    translator = (
        load_translator(model, settings.backend, settings.threads, store, settings.device)
        if model
        else None
    )
    translated = translate_summaries(summaries, places, translator)
    if model:
        translated = memory.corrected(store, model.spec.name, translated)

    issue = Issue(
        date=day,
        title=TITLE,
        stories=tuple(
            story_digest(story, summary, place, translated)
            for story, summary, place in zip(stories, summaries, places, strict=True)
        ),
        signature=Signature(
            version=__version__,
            model=model.spec.name if model else None,
            model_id=(model.spec.hub_id or model.path.name) if model else None,
            revision=model.revision if model else None,
            backend=translator.backend if translator else "none",
            summariser=f"{summarise.NAME}/k={settings.bullets}",
        ),
    )
    published = site.publish(
        settings.out,
        issue,
        render.environment(settings.templates),
        settings.site_url,
        search=settings.search,
    )
    return BuildResult(
        issue=issue,
        folder=published.folder,
        search_error=published.search_error,
        strict=settings.strict,
        failures=ingested.failures,
        article_ids=tuple(a.id for a in articles),
        stale=fresh.left_out,
    )
