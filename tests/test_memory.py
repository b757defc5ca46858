"""The translation memory: a correction is found again whatever invisible marks and spacing
the sentence comes with, but not for another spelling (diacritics, letter forms); the latest
edit wins, and each model keeps its own."""

import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.news import Edit
from digest.pipeline import build
from digest.publish import archive
from digest.settings import build_settings
from digest.state import rows
from digest.translate import memory
from tests.conftest import SEEDS

MODEL = "opus-mt-ar-en"
# Sentences of a real seed article (the Alaska summit).
SEED_LINES = (SEEDS / "000_b8ca79493ea0142d.txt").read_text(encoding="utf-8").splitlines()
KREMLIN = SEED_LINES[0]
TELEGRAM = SEED_LINES[1]
CORRECTED = "The Kremlin released a video of the two presidents after their press conference."


def test_a_remembered_sentence_is_recalled_with_who_and_when(store):
    memory.remember(store, MODEL, KREMLIN, CORRECTED, "Rana", "2026-11-30T01:00:00+00:00")
    found = memory.recall(store, MODEL, [KREMLIN, TELEGRAM])
    assert found == {
        KREMLIN: memory.Remembered(MODEL, KREMLIN, CORRECTED, "Rana", "2026-11-30T01:00:00+00:00")
    }


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(KREMLIN.replace("الكرملين", "الكـــرملين"), id="tatweel"),
        pytest.param("\u200f" + KREMLIN.replace(" ", " \u200e", 3) + "\u061c", id="bidi-marks"),
        pytest.param("  " + KREMLIN.replace(" ", "\u00a0 \t", 2) + "\n", id="whitespace"),
        pytest.param(KREMLIN.replace("ل", "\ufedd", 1), id="presentation-form"),
    ],
)
def test_marks_and_spacing_do_not_split_a_sentence(store, variant):
    assert variant != KREMLIN
    memory.remember(store, MODEL, KREMLIN, CORRECTED, "Rana", "2026-11-30T01:00:00Z")
    assert memory.recall(store, MODEL, [variant])[variant].en == CORRECTED
    memory.remember(store, MODEL, variant, "edited again", "Rana", "2026-11-30T02:00:00Z")
    assert len(memory.entries(store)) == 1, "the variant is the same entry"
    assert memory.recall(store, MODEL, [KREMLIN])[KREMLIN].ar == variant, "kept as edited"


INVISIBLE = st.sampled_from(["\u0640", "\u200f", "\u200e", "\u061c", "\u200b", "\u2066"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(KREMLIN)), INVISIBLE), max_size=8))
def test_any_scatter_of_marks_keeps_the_key(inserted):
    text = KREMLIN
    for position, mark in sorted(inserted, reverse=True):
        text = text[:position] + mark + text[position:]
    assert memory.key(text) == memory.key(KREMLIN) == memory.key(memory.key(KREMLIN))


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(KREMLIN.replace("الرئيسين", "الرَّئِيسَيْنِ"), id="diacritics"),
        pytest.param(KREMLIN.replace("انتهاء", "إنتهاء"), id="hamza"),
    ],
)
def test_another_spelling_is_another_entry(store, variant):
    memory.remember(store, MODEL, KREMLIN, CORRECTED, "Rana", "2026-11-30T01:00:00Z")
    assert memory.recall(store, MODEL, [variant]) == {}
    memory.remember(store, MODEL, variant, "its own", "Rana", "2026-11-30T02:00:00Z")
    assert memory.recall(store, MODEL, [KREMLIN])[KREMLIN].en == CORRECTED
    assert len(memory.entries(store)) == 2


def test_a_different_sentence_is_a_different_entry(store):
    memory.remember(store, MODEL, KREMLIN, CORRECTED, "Rana", "2026-11-30T01:00:00Z")
    other = KREMLIN.replace("الرئيسين", "الوزيرين")
    assert memory.recall(store, MODEL, [other]) == {}


def test_the_latest_edit_wins_by_its_time_not_by_arrival(store):
    memory.remember(store, MODEL, KREMLIN, "second", "Rana", "2026-11-30T03:00:00+02:00")
    memory.remember(store, MODEL, KREMLIN, "first", "Omar", "2026-11-30T00:30:00Z")
    assert memory.recall(store, MODEL, [KREMLIN])[KREMLIN].en == "second"
    memory.remember(store, MODEL, KREMLIN, "third", "Omar", "2026-11-30T01:00:01")
    found = memory.recall(store, MODEL, [KREMLIN])[KREMLIN]
    assert (found.en, found.by, found.at) == ("third", "Omar", "2026-11-30T01:00:01+00:00")


def test_each_model_keeps_its_own_corrections(store):
    memory.remember(store, MODEL, KREMLIN, CORRECTED, "Rana", "2026-11-30T01:00:00Z")
    memory.remember(store, "nllb-200-distilled-600M", KREMLIN, "other", "Rana", "2026-11-30T01:00Z")
    assert memory.recall(store, MODEL, [KREMLIN])[KREMLIN].en == CORRECTED
    assert memory.recall(store, "nllb-200-distilled-600M", [KREMLIN])[KREMLIN].en == "other"
    assert memory.recall(store, "another-model", [KREMLIN]) == {}
    assert [(s.model, s.entries) for s in memory.stats(store)] == [
        ("nllb-200-distilled-600M", 1),
        (MODEL, 1),
    ]
    assert [e.en for e in memory.entries(store, MODEL)] == [CORRECTED]


def test_many_sentences_are_looked_up_at_once(store):
    lines = [line for line in SEED_LINES if line.strip()]
    many = [f"{line} ({number})" for number in range(120) for line in lines[:6]]
    for number, sentence in enumerate(many[::2]):
        memory.remember(store, MODEL, sentence, f"english {number}", "Rana", "2026-11-30T01:00Z")
    found = memory.recall(store, MODEL, many)
    assert len(many) > rows.CHUNK
    assert set(found) == set(many[::2])
    assert found[many[8]].en == "english 4"


@pytest.mark.parametrize(
    ("ar", "en", "at"),
    [
        (KREMLIN, "  \n", "2026-11-30T01:00Z"),
        ("\u200f \u0640 ", CORRECTED, "2026-11-30T01:00Z"),
        (KREMLIN, CORRECTED, "yesterday"),
    ],
)
def test_an_empty_line_or_a_bad_time_is_refused_and_nothing_kept(store, ar, en, at):
    with pytest.raises(ValueError):
        memory.remember(store, MODEL, ar, en, "Rana", at)
    assert memory.entries(store) == []


def test_the_memory_is_its_own_table_beside_the_cache(store, isolated_state):
    memory.remember(store, MODEL, KREMLIN, CORRECTED, "Rana", "2026-11-30T01:00Z")
    with sqlite3.connect(isolated_state) as conn:
        rows = conn.execute("SELECT model, source, target FROM translation_memory").fetchall()
    assert rows == [(MODEL, KREMLIN, CORRECTED)]


def lines_of(issue):
    return [line for s in issue.stories for line in (s.headline, *(b.line for b in s.bullets))]


def test_a_rebuild_takes_the_editors_english_and_another_model_does_not(
    tmp_path, tiny_marian, tiny_nllb, store
):
    site = tmp_path / "site"
    first = build(build_settings([SEEDS], out=site, model_dir=tiny_marian), store).issue
    line = next(pair for pair in lines_of(first)[1:] if pair.review)
    memory.remember(
        store,
        first.signature.model,
        line.ar.replace("ال", "الـ", 1),
        CORRECTED,
        "Rana",
        "2026-11-30T01:00Z",
    )

    build(build_settings([SEEDS], out=site, model_dir=tiny_marian), store)
    rebuilt = archive.read(archive.find(site, first.date)).issue
    edited = [pair for pair in lines_of(rebuilt) if pair.ar == line.ar]
    assert edited and all(
        pair.en == CORRECTED
        and pair.review is None
        and pair.edit == Edit(line.en, line.review, "Rana", "2026-11-30T01:00:00+00:00", True)
        for pair in edited
    )
    others = [pair for pair in lines_of(rebuilt) if pair.ar != line.ar]
    assert others == [pair for pair in lines_of(first) if pair.ar != line.ar]
    assert CORRECTED in (site / first.date.isoformat() / "digest.md").read_text(encoding="utf-8")

    elsewhere = tmp_path / "nllb"
    other = build(build_settings([SEEDS], out=elsewhere, model_dir=tiny_nllb), store).issue
    assert all(pair.edit is None and pair.en != CORRECTED for pair in lines_of(other))
    assert CORRECTED not in (elsewhere / other.date.isoformat() / "digest.md").read_text()
