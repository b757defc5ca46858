"""The translation memory knows its scope (issue 23, item 3): a correction is applied only to
the sentence as written and only when it is long enough to be unambiguous; a short one is a
suggestion on the review page; and a save killed at any moment never leaves the memory behind
the published issue, where a rebuild would silently undo the editor's latest English."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from digest.arabic import normalise
from digest.news import Bilingual
from digest.state import schema
from digest.translate import memory
from tests.conftest import ROOT
from tests.review_sites import client, publish_site
from tests.test_review import current, line, put

MODEL = "opus-mt-tc-big-ar-en"
BREAKING = "عاجل"
GAZA = "Israeli strike kills 12 in Gaza"
HILAL_WON = "هزمَ الهلالُ النصرَ بهدفين في نهائي كأس الملك مساء الجمعة"
NASSR_WON = "هزمَ الهلالَ النصرُ بهدفين في نهائي كأس الملك مساء الجمعة"
UNMARKED = "هزم الهلال النصر بهدفين في نهائي كأس الملك مساء الجمعة"


def machine(ar: str, en: str = "machine English") -> dict[str, Bilingual]:
    return {ar: Bilingual(ar=ar, en=en, review=None)}


def test_a_short_generic_line_is_kept_but_never_applied(store):
    memory.remember(store, MODEL, BREAKING, GAZA, "Rana", "2026-11-30T01:00:00Z")
    earthquake = memory.corrected(store, MODEL, machine(BREAKING, "Breaking"))
    assert earthquake[BREAKING] == Bilingual(ar=BREAKING, en="Breaking", review=None)
    dateline = "القاهرة - رويترز"
    memory.remember(store, MODEL, dateline, "Cairo, Reuters", "Rana", "2026-11-30T01:00:00Z")
    assert memory.corrected(store, MODEL, machine(dateline))[dateline].edit is None
    assert not memory.applies("زلزال بقوة ست درجات يضرب")
    assert memory.applies("زلزال بقوة ست درجات يضرب جنوب تركيا")


@pytest.mark.parametrize(
    ("remembered", "met"),
    [(HILAL_WON, NASSR_WON), (HILAL_WON, UNMARKED), (UNMARKED, HILAL_WON)],
    ids=["other-case-endings", "marked-then-unmarked", "unmarked-then-marked"],
)
def test_diacritics_count_when_either_side_carries_them(store, remembered, met):
    assert normalise(remembered) == normalise(met), "the old folded key joined them"
    memory.remember(store, MODEL, remembered, "Al-Hilal beat Al-Nassr", "Rana", "2026-11-30T01Z")
    assert memory.corrected(store, MODEL, machine(met))[met].edit is None
    again = memory.corrected(store, MODEL, machine(remembered))[remembered]
    assert again.en == "Al-Hilal beat Al-Nassr" and again.edit.memory


def test_an_entry_kept_under_the_old_folded_key_is_found_as_written(store):
    """A state file an older digest wrote: its key folded diacritics and letter variants out."""
    store.path.parent.mkdir(parents=True)
    with sqlite3.connect(store.path) as conn:
        conn.execute(schema.TRANSLATION_MEMORY)
        conn.execute(
            "INSERT INTO translation_memory VALUES (?, ?, ?, ?, ?, ?)",
            (MODEL, normalise(HILAL_WON), HILAL_WON, "Al-Hilal beat Al-Nassr", "Rana", "2026Z"),
        )
    assert memory.recall(store, MODEL, [NASSR_WON]) == {}
    assert memory.recall(store, MODEL, [HILAL_WON])[HILAL_WON].en == "Al-Hilal beat Al-Nassr"
    with sqlite3.connect(store.path) as conn:
        (key,) = conn.execute("SELECT sentence FROM translation_memory").fetchone()
    assert key == memory.key(HILAL_WON)


def test_the_review_page_suggests_a_short_correction_and_marks_none_applied(tmp_path, store):
    folder = publish_site(tmp_path / "site")
    with client(folder, store) as api:
        issue = current(api)
        headline = line(issue, 1)
        memory.remember(store, MODEL, headline["ar"], GAZA, "Omar", "2026-11-30T01:00:00Z")
        shown = line(current(api), 1)
        assert shown["suggestion"] == {"en": GAZA, "by": "Omar", "at": "2026-11-30T01:00:00+00:00"}
        assert shown["en"] != GAZA and shown["edit"] is None
        taken = put(api, current(api), headline["id"], GAZA).json()
        assert line(taken, 1)["suggestion"] is None, "nothing left to suggest once taken"
        assert all(
            line(taken, s, b)["suggestion"] is None
            for s, story in enumerate(taken["stories"])
            for b in [None, *range(len(story["bullets"]))]
        )


SAVING = """
import sys
from pathlib import Path
from digest.review import edits
from digest.state.store import Store
from tests.review_sites import session

reviewing = session(Path(sys.argv[1]), Store(Path(sys.argv[2])))
snapshot = reviewing.load()
target = next(iter(edits.places(snapshot.issue)))
print("saving", flush=True)
number = 0
while True:
    number += 1
    snapshot = reviewing.edit(snapshot.version, target, f"Edit number {number}")
"""


def published_number(folder) -> int | None:
    try:
        data = json.loads((folder / "issue.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    english = data["issue"]["stories"][0]["headline"]["en"]
    return int(english.rsplit(" ", 1)[1]) if english.startswith("Edit number") else 0


def test_a_save_killed_as_its_issue_appears_never_leaves_the_memory_behind(tmp_path, store):
    """SIGKILL the saving process the moment a new issue.json is published (the point where the
    memory used to be written next), several times: the memory always holds that English or a
    later one, so a rebuild never reverts what the editor saw published."""
    folder = publish_site(tmp_path / "site", search=True)
    headline_ar = json.loads((folder / "issue.json").read_text())["issue"]["stories"][0][
        "headline"
    ]["ar"]
    for trial in range(4):
        process = subprocess.Popen(
            [sys.executable, "-c", SAVING, str(folder), str(store.path)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert process.stdout.readline() == "saving\n"
        start = published_number(folder)
        deadline = time.monotonic() + 60
        while (seen := published_number(folder)) in (None, start) or seen < 2:
            assert time.monotonic() < deadline, "no save was published"
        process.send_signal(signal.SIGKILL)
        process.wait()
        published = published_number(folder)
        kept = memory.recall(store, MODEL, [headline_ar])[headline_ar]
        remembered = int(kept.en.rsplit(" ", 1)[1])
        assert remembered >= published, (trial, published, remembered)
