"""Bounds that keep a day of a newsroom's feeds, or one enormous page, from stalling a build.

The speed itself is measured by benchmarks/scale.py (BENCHMARKS.md); these tests check that the
shortcuts taken for speed give the answers the full computation gives, and that the bounds hold.
"""

import random

from digest.evaluate.summaries import read_ntrex
from digest.ingest import read_sources
from digest.ingest.body import MAX_BODY_CHARS
from digest.ingest.dedupe import dedupe, near_identical, shingles
from digest.news import Article, Story
from digest.stories import cluster as clustering
from digest.stories import summarise
from tests.conftest import SHARED_DATA

SENTENCE = "وقال المتحدث باسم الحكومة إن المحادثات مع الوفد الزائر ستستمر حتى نهاية الأسبوع المقبل."


def ntrex_articles():
    return [
        Article(id=d.id, origin=d.id, paragraphs=d.body, title=d.headline)
        for d in read_ntrex(SHARED_DATA / "ntrex")
    ]


def test_candidate_pairs_give_the_stories_every_pair_gives(monkeypatch):
    """Past EXACT_PAIRS articles only candidate pairs are scored in full; on NTREX they must
    find every merge that comparing every pair finds."""
    articles = ntrex_articles()
    exact = clustering.cluster(articles)
    monkeypatch.setattr(clustering, "EXACT_PAIRS", 0)
    assert clustering.cluster(articles) == exact
    assert any(len(s.articles) > 1 for s in exact)


def test_linkage_inside_components_is_average_linkage_over_the_batch(monkeypatch):
    """The original definition, every group pair compared each round, on a shuffled mix; with
    the centre weighed in, tests/test_cluster.py checks the linkage against its definition."""
    monkeypatch.setattr(clustering, "CENTRE", 0.0)
    articles = ntrex_articles()[:60]
    random.Random(3).shuffle(articles)
    x = clustering.vectors(articles)
    similar = (x @ x.T).toarray()
    groups = [[i] for i in range(len(articles))]
    while True:
        best, merge = clustering.THRESHOLD, None
        for a in range(len(groups)):
            for b in range(a + 1, len(groups)):
                mean = similar[groups[a]][:, groups[b]].mean()
                if mean >= best:
                    best, merge = mean, (a, b)
        if merge is None:
            break
        a, b = merge
        groups[a] = sorted(groups[a] + groups.pop(b))
    expected = [tuple(articles[i] for i in g) for g in sorted(groups)]
    assert [s.articles for s in clustering.cluster(articles)] == expected


def test_a_long_article_ranks_only_its_opening(monkeypatch):
    ranked = []
    score = summarise.score
    monkeypatch.setattr(summarise, "score", lambda texts: ranked.append(len(texts)) or score(texts))
    article = Article(id="a", origin="a.txt", paragraphs=(SENTENCE,) * 5000)
    summary = summarise.summarise_story(Story(articles=(article,)))
    assert ranked == [summarise.MAX_RANKED]
    assert summary.headline


def test_a_ten_megabyte_article_is_read_to_the_bound_and_says_so(tmp_path):
    page = tmp_path / "huge.txt"
    paragraph = " ".join([SENTENCE] * 4)
    page.write_text(
        "---\ntitle: مقال طويل\n---\n"
        + "\n\n".join([paragraph] * (9_900_000 // len(paragraph.encode()))),
        encoding="utf-8",
    )
    assert 9_000_000 < page.stat().st_size < 10_000_000
    (article,) = read_sources([page]).articles
    assert sum(len(p) for p in article.paragraphs) == MAX_BODY_CHARS
    assert any(f"over {MAX_BODY_CHARS:,} characters" in w for w in article.warnings)


def test_one_paragraph_of_ten_megabytes_is_bounded_too(tmp_path):
    page = tmp_path / "line.txt"
    page.write_text(" ".join([SENTENCE] * 60_000), encoding="utf-8")
    (article,) = read_sources([page]).articles
    assert sum(len(p) for p in article.paragraphs) == MAX_BODY_CHARS


def test_dedupe_finds_what_comparing_every_pair_finds():
    words = SENTENCE.split() * 3
    rng = random.Random(5)
    articles = []
    for n in range(300):
        body = [w if rng.random() > 0.02 * (n % 4) else "تغيير" for w in words]
        rng.shuffle(body) if n % 7 == 0 else None
        articles.append(Article(id=str(n), origin=f"{n}.txt", paragraphs=(" ".join(body),)))
    kept: list[Article] = []
    for article in articles:
        if not any(near_identical(shingles(article), shingles(k)) for k in kept):
            kept.append(article)
    assert [a.origin for a in dedupe(articles)] == [a.origin for a in kept]
    assert 1 < len(kept) < len(articles)
