"""The shortcuts taken for speed give what the plain computation gives.

Sentence splitting jumps between the characters that can end a sentence or quote one, letter
variants are replaced one by one, the Arabic share is counted by a character class, and an
article's sentences, a sentence's terms and a word's n-grams are cached across clustering and
summarising. Each is checked here against the plain computation it replaced, on generated text
and on the seeds, and a build's stories and bullets must not depend on what the caches hold.
"""

import unicodedata

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import CountVectorizer

from digest import arabic
from digest.arabic import (
    CLOSERS,
    DIACRITICS,
    QUOTE_PAIRS,
    TERMINATORS,
    arabic_share,
    breaks_here,
    normalise,
    quote_spans,
    quoted,
    segment,
    sentence_terms,
    split_sentences,
    strip_invisible,
)
from digest.ingest import read_sources
from digest.stories import cluster, features, summarise, vectors
from tests.conftest import SEEDS, SHARED_DATA

# Real lines: the whole of FLORES-200's and NTREX's Arabic, thousands of news sentences.
REAL = (
    SHARED_DATA / "flores200" / "arb_Arab.devtest",
    SHARED_DATA / "ntrex" / "newstest2019-ref.arb.txt",
)

# Letters, digits, spaces and every character the splitter treats specially, Arabic and Latin.
TRICKY = st.lists(
    st.sampled_from([*"بلدم ق.ص ا١٢3 JKx-(", *TERMINATORS, *CLOSERS, *'“«"”»', "إف", "\u0651"]),
    max_size=60,
).map("".join)


def split_one_by_one(text: str) -> list[str]:
    """split_sentences as it was written before: every character looked at in turn."""
    spans = []
    stack: list[tuple[str, int]] = []
    for i, ch in enumerate(text):
        if stack and ch == QUOTE_PAIRS[stack[-1][0]]:
            _, start = stack.pop()
            spans.append((start, i))
        elif ch in QUOTE_PAIRS:
            stack.append((ch, i))
    assert spans == quote_spans(text)
    pieces = []
    start = i = 0
    while i < len(text):
        if text[i] in TERMINATORS and not quoted(spans, text, i) and breaks_here(text, i):
            end = i + 1
            while end < len(text) and (text[end] in TERMINATORS or text[end] in CLOSERS):
                end += 1
            pieces.append(text[start:end])
            start = i = end
            continue
        i += 1
    pieces.append(text[start:])
    return [p.strip() for p in pieces if p.strip()]


VARIANTS = str.maketrans(dict(arabic.LETTER_VARIANTS))


def normalise_by_table(text: str) -> str:
    text = unicodedata.normalize("NFKC", strip_invisible(text))
    text = DIACRITICS.sub("", strip_invisible(text)).translate(VARIANTS)
    return unicodedata.normalize("NFKC", text)


def real_lines() -> list[str]:
    seeds = [p for a in read_sources([SEEDS]).articles for p in a.paragraphs]
    text = [line for path in REAL for line in path.read_text(encoding="utf-8-sig").splitlines()]
    return seeds + [line for line in text if line.strip()]


@settings(max_examples=500, deadline=None)
@given(TRICKY)
def test_splitting_jumps_to_the_same_breaks_as_a_character_by_character_scan(text):
    assert split_sentences(text) == split_one_by_one(text)


@pytest.mark.real_data("flores200", "ntrex")
def test_real_lines_split_as_a_character_by_character_scan_splits_them():
    lines = [line for p in real_lines() for line in p.splitlines()]
    assert len(lines) > 2000
    assert [split_sentences(line) for line in lines] == [split_one_by_one(line) for line in lines]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("أإآٱٲٳىیةۃابت \u064e\u0640\u200fﻻ")), max_size=40))
def test_letter_variants_replaced_one_by_one_fold_as_the_translation_table_did(text):
    assert normalise(text) == normalise_by_table(text)


@pytest.mark.real_data("flores200", "ntrex")
def test_real_text_normalises_as_with_the_translation_table():
    lines = real_lines()
    long_line = " ".join(lines)
    assert len(long_line) > arabic.REMEMBERED_CHARS
    lines.append(long_line)
    assert [normalise(line) for line in lines] == [normalise_by_table(line) for line in lines]
    arabic.remembered.cache_clear()
    normalise(long_line)
    assert arabic.remembered.cache_info().currsize == 0, "a long line is not kept"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=0x0800), max_size=40))
def test_arabic_share_counts_as_a_comparison_per_letter_did(text):
    letters = [ch for ch in text if ch.isalpha()]
    expected = (
        sum("\u0600" <= ch <= "\u06ff" or "\u0750" <= ch <= "\u077f" for ch in letters)
        / len(letters)
        if letters
        else 0.0
    )
    assert arabic_share(text) == expected


def clear_caches() -> None:
    for cached in (
        arabic.remembered,
        arabic.sentence_terms,
        arabic.segmented,
        cluster.word_grams,
    ):
        cached.cache_clear()


def stories_and_summaries():
    articles = read_sources([SEEDS]).articles
    stories = cluster.cluster(articles)
    return [
        ([a.id for a in story.articles], summarise.summarise_story(story, 4)) for story in stories
    ]


def test_stories_and_bullets_do_not_depend_on_what_the_caches_hold():
    clear_caches()
    cold = stories_and_summaries()
    assert arabic.segmented.cache_info().hits > 0
    assert arabic.sentence_terms.cache_info().hits > 0
    warm = stories_and_summaries()
    assert warm == cold
    assert any(len(ids) > 1 for ids, _ in cold)
    assert all(summary.bullets for _, summary in cold)


def test_a_cached_segmentation_is_the_same_whatever_iterable_the_paragraphs_come_in():
    paragraphs = ["الأولى. الثانية\nالثالثة", "الرابعة"]
    assert segment(iter(paragraphs)) == segment(paragraphs) == segment(tuple(paragraphs))
    assert [s.text for s in segment(paragraphs)] == ["الأولى.", "الثانية", "الثالثة", "الرابعة"]


def test_repeated_sentences_counted_once_give_the_matrix_counting_each_gives():
    sentences = [line for a in read_sources([SEEDS]).articles for line, _ in features.lines(a)] + [
        "جملة تتكرر في مقالين.",
        "جملة أخرى.",
        "جملة تتكرر في مقالين.",
    ]
    assert len(set(sentences)) < len(sentences)
    every = CountVectorizer(analyzer=features.grams, dtype=np.float64).fit_transform(sentences)
    once = features.sentence_counts(sentences)
    assert once.shape == every.shape
    assert (once != every).nnz == 0


@pytest.mark.real_data("flores200", "ntrex")
def test_unit_rows_are_scikit_learns_normalised_rows_to_the_last_bit():
    from sklearn.preprocessing import normalize

    texts = [line for p in real_lines()[:400] for line in split_sentences(p)] + ["", "و"]
    expected = normalize(vectors.counts(texts, sentence_terms))
    got = vectors.unit_rows(vectors.counts(texts, sentence_terms))
    assert got.shape == expected.shape and got.nnz == expected.nnz > 1000
    assert np.array_equal(got.indices, expected.indices)
    assert np.array_equal(got.data, expected.data)


@pytest.mark.real_data("flores200", "ntrex")
def test_counts_are_scikit_learns_count_matrix_entry_for_entry_and_in_its_layout():
    from sklearn.preprocessing import normalize

    texts = [line for p in real_lines()[:300] for line in split_sentences(p)] + ["", "و"]
    expected = CountVectorizer(analyzer=features.grams, dtype=np.float64).fit_transform(texts)
    got = vectors.counts(texts, features.grams)
    assert got.shape == expected.shape and got.nnz == expected.nnz > 10_000
    assert np.array_equal(got.indptr, expected.indptr)
    assert np.array_equal(got.indices, expected.indices)
    assert np.array_equal(got.data, expected.data)
    weighted = got.multiply(np.linspace(0.5, 3.0, got.shape[1])).tocsr()
    unit = vectors.unit_rows(weighted.copy())
    assert np.allclose(unit.data, normalize(weighted).data, rtol=1e-15, atol=0)
    assert not np.isnan(unit.data).any() and unit[-2].nnz == 0, "an empty text stays zeros"


@pytest.mark.real_data("ntrex", "html")
def test_stories_are_those_scikit_learn_s_vectors_would_make(monkeypatch):
    from sklearn.preprocessing import normalize

    from digest.evaluate.summaries import read_ntrex
    from digest.news import Article
    from tests.test_cluster import STORIES

    articles = list(read_sources([str(SEEDS), str(STORIES), str(SHARED_DATA / "html")]).articles)
    articles += [
        Article(id=d.id, origin=d.id, paragraphs=d.body, title=d.headline)
        for d in read_ntrex(SHARED_DATA / "ntrex")
    ]
    ours = cluster.cluster(articles)

    def counted(sentences, analyzer=features.grams):
        return CountVectorizer(analyzer=analyzer, dtype=np.float64).fit_transform(sentences)

    monkeypatch.setattr(features, "sentence_counts", counted)
    monkeypatch.setattr(features, "unit_rows", lambda m: normalize(m).tocsr())
    theirs = cluster.cluster(articles)
    assert len(ours) > 100 and any(len(s.articles) > 2 for s in ours)
    assert [[a.id for a in s.articles] for s in ours] == [
        [a.id for a in s.articles] for s in theirs
    ]


def test_a_build_leaves_nothing_in_the_text_caches(tmp_path, store):
    """`digest schedule` builds day after day in one process: what one build remembered of its
    articles must not pile up."""
    from digest.pipeline import TEXT_CACHES, build
    from digest.settings import build_settings

    build(build_settings([SEEDS], out=tmp_path, translate=False, search=False), store)
    assert arabic.segmented in TEXT_CACHES and cluster.word_grams in TEXT_CACHES
    assert [cached.cache_info().currsize for cached in TEXT_CACHES] == [0] * len(TEXT_CACHES)
    arabic.segment(["جملة أولى. جملة ثانية."])
    assert arabic.segmented.cache_info().currsize == 1, "the check above can fail"


@pytest.mark.real_data("flores200", "ntrex")
def test_dense_unit_rows_are_the_sparse_ones_to_within_rounding():
    texts = [line for p in real_lines()[:300] for line in split_sentences(p)] + ["", "و"]
    sparse_rows = vectors.unit_rows(vectors.counts(texts, sentence_terms))
    dense_rows = vectors.unit_rows(vectors.counts(texts, sentence_terms).toarray())
    assert isinstance(dense_rows, np.ndarray) and dense_rows.shape == sparse_rows.shape
    assert np.allclose(dense_rows, sparse_rows.toarray(), rtol=1e-15, atol=1e-17)
    assert not dense_rows[-2].any(), "an empty text stays zeros"


@pytest.mark.real_data("news")
def test_a_pool_compared_dense_tells_what_the_sparse_one_tells(monkeypatch, tmp_path):
    """Small stories' pools are dense arrays (coverage.DENSE_CELLS), big ones sparse: every
    story of several reports of a real day's window gets the same headline and bullets either
    way (two of its stories have titles with the same words, which only summarise's
    LIKENESS_DIGITS keeps from being told apart by rounding), and the figures agree to within
    rounding."""
    from digest import pipeline
    from digest.stories import coverage

    month = SHARED_DATA / "news" / "ant-2018-03.jsonl"
    window = tmp_path / "window.jsonl"
    wanted = ('"published": "2018-03-12"', '"published": "2018-03-13"')
    lines = month.read_text(encoding="utf-8").splitlines(keepends=True)
    window.write_text("".join(x for x in lines if any(w in x for w in wanted)), encoding="utf-8")
    stories = [s for s in pipeline.cluster(read_sources([window]).articles) if len(s.articles) > 1]
    dense = [coverage.pool(s) for s in stories]
    summaries = [summarise.summarise_story(s) for s in stories]
    monkeypatch.setattr(coverage, "DENSE_CELLS", 0)
    sparse_pools = [coverage.pool(s) for s in stories]
    assert len(stories) > 40
    for d, s in zip(dense, sparse_pools, strict=True):
        assert np.allclose(d.similar, s.similar, rtol=1e-12, atol=1e-15)
        assert np.allclose(d.centrality, s.centrality, rtol=1e-12, atol=1e-15)
        for likeness in ("title_likeness", "report_likeness"):
            mine, theirs = getattr(d, likeness), getattr(s, likeness)
            assert mine.keys() == theirs.keys()
            assert np.allclose([mine[k] for k in mine], [theirs[k] for k in mine], rtol=1e-12)
    assert [summarise.summarise_story(s) for s in stories] == summaries
