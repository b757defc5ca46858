"""The translation memory: every English an editor gave an Arabic sentence, so a correction is
made once (CAT tools keep one for the same reason).

An entry is keyed by the model's name (the issue signature's ``model``) and the sentence exactly
as written: only what no reader can see is set aside (tatweel, bidi and zero-width marks,
compatibility forms, runs of spaces). Diacritics and letter forms count: «هزمَ الهلالُ النصرَ»
(Al-Hilal beat Al-Nassr) and «هزمَ الهلالَ النصرُ» (the reverse) are different sentences, and a
sentence written without them is not the same entry as one written with them, since the
unmarked one may be read either way. The model is part of the key because an editor corrects
one model's English: another model may not make that mistake. The revision is not: a new
revision of the same model makes the same kind of mistakes, and the corrections should outlive
an upgrade. The Arabic is kept as the editor saw it too, for export (TMX, TSV).

A correction is applied by a build only to a sentence long enough to be unambiguous: at least
MIN_WORDS Arabic words. Below that a line is a label whose English depends on its story (a
headline «عاجل», "Breaking"; a dateline «القاهرة - رويترز»; a name): the memory keeps it, and the
review page offers it as a suggestion (``suggestions``) that the editor may take, never applies
it. A line that takes a correction is marked ``memory`` in its Edit, so readers and the review
page see that it did.

The latest edit of a sentence wins, by its time (``at``), not by the order the calls arrive in:
an older issue reviewed again must not undo a newer correction.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from digest.arabic import as_written as key
from digest.news import Bilingual, Edit
from digest.state.rows import rows_in, stamp
from digest.state.store import Store

MIN_WORDS = 6
"""The fewest Arabic words a sentence needs for a build to apply its correction: headlines,
datelines and labels are shorter (news sentences run to 15-30 words, headlines to 6-12)."""
ARABIC_LETTER = re.compile("[\u0621-\u064a\u066e-\u06d3\u06fa-\u06ff]")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Remembered:
    """One entry: ``ar`` as the editor saw it, ``en`` their English, ``by`` who and ``at`` when
    (ISO 8601, UTC)."""

    model: str
    ar: str
    en: str
    by: str
    at: str


@dataclass(frozen=True)
class MemoryStats:
    model: str
    entries: int
    newest: str


def applies(ar: str) -> bool:
    """Whether a build may give ``ar`` an editor's English unasked: it is long enough
    (MIN_WORDS words with an Arabic letter) to mean the same in every story it appears in."""
    return sum(1 for word in key(ar).split() if ARABIC_LETTER.search(word)) >= MIN_WORDS


def utc(at: str) -> str:
    """``at`` as one comparable form (UTC, seconds); a time without a zone is taken as UTC."""
    try:
        moment = dt.datetime.fromisoformat(at)
    except ValueError:
        raise ValueError(f"not an ISO 8601 time: {at!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return stamp(moment)


def remember(store: Store, model: str, ar: str, en: str, by: str, at: str) -> None:
    """Keep ``en`` as the English of ``ar`` for ``model``, unless a later edit is kept already."""
    remember_all(store, model, [(ar, en, by, at)])


def remember_all(
    store: Store, model: str, corrections: Iterable[tuple[str, str, str, str]]
) -> None:
    """Keep each (Arabic, English, editor, time) for ``model`` in one transaction; the latest
    edit of a sentence wins, whatever order they come in.

    ValueError for an Arabic or English that is empty or only whitespace: the review page
    refuses such an edit, and an empty entry would blank the line in every later build.
    """
    rows = []
    for ar, en, by, at in corrections:
        if not key(ar):
            raise ValueError("the Arabic sentence is empty")
        if not en.strip():
            raise ValueError("the English is empty")
        rows.append((model, key(ar), ar, en.strip(), by, utc(at)))
    with store.connect() as conn, conn:
        conn.executemany(
            "INSERT INTO translation_memory VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (model, sentence) DO UPDATE SET source = excluded.source, "
            "target = excluded.target, editor = excluded.editor, edited = excluded.edited "
            "WHERE excluded.edited >= translation_memory.edited",
            rows,
        )


def forget(store: Store, model: str, ar: str) -> None:
    """Take out the correction of ``ar`` for ``model``: an editor set the line back to the
    machine's English, so the correction was wrong and must not come back in later builds."""
    with store.connect() as conn, conn:
        conn.execute(
            "DELETE FROM translation_memory WHERE model = ? AND sentence = ?", (model, key(ar))
        )


def held(store: Store, model: str, sentences: Iterable[str]) -> list[tuple[str, ...]]:
    """The rows the memory holds for ``sentences`` and ``model``, as they are: what ``restore``
    puts back if what follows a change to them fails."""
    keys = sorted({key(sentence) for sentence in sentences} - {""})
    rows: list[tuple[str, ...]] = []
    with store.connect() as conn:
        rows += rows_in(
            conn,
            "SELECT * FROM translation_memory WHERE model = ? AND sentence IN ({keys})",
            (model,),
            keys,
        )
    return rows


def restore(
    store: Store, model: str, sentences: Iterable[str], rows: Iterable[tuple[str, ...]]
) -> None:
    """The entries of ``sentences`` for ``model`` set back to ``rows`` (from ``held``), in one
    transaction."""
    keys = sorted({key(sentence) for sentence in sentences} - {""})
    with store.connect() as conn, conn:
        conn.executemany(
            "DELETE FROM translation_memory WHERE model = ? AND sentence = ?",
            [(model, each) for each in keys],
        )
        conn.executemany("INSERT INTO translation_memory VALUES (?, ?, ?, ?, ?, ?)", rows)


def recall(store: Store, model: str, sentences: Iterable[str]) -> dict[str, Remembered]:
    """The entries for those of ``sentences`` the memory holds for ``model``, by the sentence as
    given (which may differ from the remembered one in marks and spacing)."""
    by_key: dict[str, list[str]] = {}
    for sentence in sentences:
        by_key.setdefault(key(sentence), []).append(sentence)
    keys = [k for k in by_key if k]
    found: dict[str, Remembered] = {}
    with store.connect() as conn:
        rows = rows_in(
            conn,
            "SELECT sentence, source, target, editor, edited FROM translation_memory "
            "WHERE model = ? AND sentence IN ({keys})",
            (model,),
            keys,
        )
        for sentence, source, target, editor, edited in rows:
            for given in by_key[sentence]:
                found[given] = Remembered(model, source, target, editor, edited)
    return found


def corrected(
    store: Store, model: str, translated: Mapping[str, Bilingual]
) -> dict[str, Bilingual]:
    """``translated`` (a build's lines by their Arabic) with the editor's English wherever the
    memory holds the sentence for ``model`` and it ``applies``: the model's English and flag are
    kept in the line's Edit, so the correction can still be checked against what the model
    said. A short line keeps the model's English; the review page suggests the correction."""
    found = {ar: kept for ar, kept in recall(store, model, translated).items() if applies(ar)}
    if found:
        log.info("translation memory: %d line(s) take an editor's English", len(found))
    return {
        ar: from_memory(pair, found[ar]) if ar in found else pair for ar, pair in translated.items()
    }


def suggestions(store: Store, model: str, lines: Iterable[Bilingual]) -> dict[str, Remembered]:
    """The entries the review page offers, by Arabic: every line whose sentence the memory
    holds with another English than the line shows (a short line's correction, or one made
    since the issue was built)."""
    shown = {line.ar: line.en for line in lines}
    return {ar: kept for ar, kept in recall(store, model, shown).items() if kept.en != shown[ar]}


def from_memory(pair: Bilingual, remembered: Remembered) -> Bilingual:
    return Bilingual(
        ar=pair.ar,
        en=remembered.en,
        review=None,
        edit=Edit(
            machine=pair.en, flag=pair.review, by=remembered.by, at=remembered.at, memory=True
        ),
    )


def entries(store: Store, model: str | None = None) -> list[Remembered]:
    """Every entry (of one model, or all), newest edit first."""
    with store.connect() as conn:
        rows = conn.execute(
            "SELECT model, source, target, editor, edited FROM translation_memory "
            "WHERE ? IS NULL OR model = ? ORDER BY edited DESC, model, sentence",
            (model, model),
        ).fetchall()
    return [Remembered(*row) for row in rows]


def stats(store: Store) -> list[MemoryStats]:
    with store.connect() as conn:
        rows = conn.execute(
            "SELECT model, COUNT(*), MAX(edited) FROM translation_memory "
            "GROUP BY model ORDER BY model"
        ).fetchall()
    return [MemoryStats(*row) for row in rows]
