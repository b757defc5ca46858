"""Bounds that keep a day of a newsroom's feeds, or one enormous page, from stalling a build.

The speed itself is measured by benchmarks/scale.py (BENCHMARKS.md); these tests check that the
shortcuts taken for speed give the answers the full computation gives, and that the bounds hold.
"""

import importlib
import random
from dataclasses import replace

import numpy as np
import pytest
from scipy import sparse

from digest.evaluate.summaries import read_ntrex
from digest.ingest import read_sources
from digest.ingest.body import MAX_BODY_CHARS
from digest.ingest.dedupe import dedupe, near_identical, shingles
from digest.news import Article, Story
from digest.stories import cluster as clustering
from digest.stories import summarise, vectors
from tests.conftest import SHARED_DATA

SENTENCE = "وقال المتحدث باسم الحكومة إن المحادثات مع الوفد الزائر ستستمر حتى نهاية الأسبوع المقبل."


def ntrex_articles():
    return [
        Article(id=d.id, origin=d.id, paragraphs=d.body, title=d.headline)
        for d in read_ntrex(SHARED_DATA / "ntrex")
    ]


@pytest.mark.real_data("ntrex")
def test_candidate_pairs_give_the_stories_every_pair_gives(monkeypatch):
    """Past EXACT_PAIRS articles only candidate pairs are scored in full; on NTREX they must
    find every merge that comparing every pair finds."""
    articles = ntrex_articles()
    exact = clustering.cluster(articles)
    monkeypatch.setattr(clustering, "EXACT_PAIRS", 0)
    assert clustering.cluster(articles) == exact
    assert any(len(s.articles) > 1 for s in exact)


@pytest.mark.real_data("ntrex")
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


def syndicated(copies: int, shared_lines: int = 6, own_lines: int = 2) -> list[Article]:
    """One agency story reprinted ``copies`` times, each copy with lines of its own (no two
    copies the same), its own outlet and URL."""
    pool = list(dict.fromkeys(line for d in read_ntrex(SHARED_DATA / "ntrex") for line in d.body))
    random.Random(11).shuffle(pool)
    shared, own = pool[:shared_lines], pool[shared_lines:]
    assert len(own) >= copies * own_lines
    return [
        Article(
            id=f"copy-{n}",
            origin=f"copy-{n}.txt",
            title=shared[0],
            paragraphs=(*shared, *own[n * own_lines : (n + 1) * own_lines]),
            source=f"outlet {n}",
            url=f"https://outlet-{n}.example/news",
        )
        for n in range(copies)
    ]


@pytest.mark.real_data("ntrex")
def test_a_story_syndicated_hundreds_of_times_is_bounded_work(monkeypatch):
    """Copies of one text start as one group; the rest of the linkage sees a handful of rows."""
    articles = syndicated(400)
    links = []
    linked = clustering.linked
    monkeypatch.setattr(
        clustering,
        "linked",
        lambda x, *rest: links.append((x.shape[0], linked(x, *rest)[0])) or linked(x, *rest),
    )
    assert [len(s.articles) for s in clustering.cluster(articles)] == [400]
    ((rows, found),) = links
    assert rows <= 4 and len(found) <= rows


def test_links_per_article_are_capped_however_alike_the_articles():
    """Five hundred articles all alike (one text with a little noise each, not copies): each
    keeps at most NEIGHBOURS links of its own, so the links grow with the articles, not their
    square, and the linkage still makes them one story."""
    rng = np.random.default_rng(5)
    rows = 1.0 + 0.3 * rng.random((500, 200))
    x = vectors.unit_rows(sparse.csr_matrix(rows))
    days = np.full(500, clustering.UNDATED)
    found = clustering.linked(x, np.ones(500), days)
    assert (found[2] > 0.9).all()
    per_article = np.bincount(np.r_[found[0], found[1]], minlength=500)
    assert len(found[0]) <= clustering.NEIGHBOURS * 500
    assert per_article.min() >= clustering.NEIGHBOURS
    assert per_article.max() < 500 // 4
    assert [len(g) for g in clustering.linkage(x, days)] == [500]


@pytest.mark.real_data("ntrex")
def test_reading_a_story_syndicated_hundreds_of_times_compares_each_copy_a_bounded_number_of_times(
    monkeypatch,
):
    """No copy is near-identical to another (each has lines of its own), so all are kept; each is
    compared with at most POSTINGS earlier ones, not with all of them; a true reprint of an early
    copy is still folded into it."""
    deduping = importlib.import_module("digest.ingest.dedupe")
    articles = syndicated(600)
    reprint = replace(articles[3], id="reprint", origin="reprint.txt", url=None)
    compared: dict[int, int] = {}
    alike = deduping.near_identical

    def counted(a, b):
        compared[id(a)] = compared.get(id(a), 0) + 1
        return alike(a, b)

    monkeypatch.setattr(deduping, "near_identical", counted)
    kept = dedupe([*articles, reprint])
    assert len(kept) == 600 and "also read from reprint.txt" in kept[3].warnings
    assert max(compared.values()) <= deduping.POSTINGS
