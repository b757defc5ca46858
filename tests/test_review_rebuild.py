"""A correction made in `digest review` survives a rebuild: a real build with a tiny model, an
edit through the API, the same sources built again (the translation memory gives the line the
editor's English, marked as from the memory), and the review page of the rebuilt issue shows it."""

from __future__ import annotations

from digest.pipeline import build
from digest.publish import render
from digest.review.edits import Review, places
from digest.settings import build_settings
from tests.conftest import SEEDS
from tests.review_sites import AT, EDITOR


def test_an_edit_made_in_review_is_kept_by_a_rebuild_of_the_same_sources(
    tmp_path, tiny_marian, store
):
    settings = build_settings([SEEDS], out=tmp_path / "site", model_dir=tiny_marian)
    built = build(settings, store)
    reviewing = Review(built.folder, EDITOR, render.environment(), store, clock=lambda: AT)
    loaded = reviewing.load()
    headline_id, headline = next(iter(places(loaded.issue).items()))
    machine = headline.line.en
    english = "Trump says talks with Putin in Alaska made great progress"
    edited = reviewing.edit(loaded.version, headline_id, english)
    reviewing.approve(edited.version)

    rebuilt = build(settings, store)
    line = rebuilt.issue.stories[0].headline
    assert (line.en, line.review) == (english, None)
    assert line.edit is not None and line.edit.memory
    assert (line.edit.machine, line.edit.by) == (machine, EDITOR)
    assert rebuilt.issue.approval is None, "a rebuilt issue needs approving again"
    assert f"## 1. {english} _(edited)_" in (rebuilt.folder / "digest.md").read_text()

    again = Review(rebuilt.folder, EDITOR, render.environment(), store).load()
    assert next(iter(places(again.issue))) == headline_id, "the line keeps its id"
