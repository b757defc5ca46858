"""The translation cache: a second build translates nothing, keys keep engines apart, two
processes may build at once."""

import os
import sqlite3
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from digest.cli import app
from digest.translate import cache, load_translator, models
from tests.conftest import ROOT, SEEDS
from tests.spawn import digest
from tests.tiny_models import converted_copy

SENTENCES = ["انتهى الاجتماع.", "استمر الاجتماع ٣ ساعات.", "انتهى الاجتماع."]


@pytest.fixture(scope="module")
def converted(tmp_path_factory, tiny_marian):
    return converted_copy(tiny_marian, tmp_path_factory.mktemp("cache") / "marian")


def counting(model, backend, store):
    translator = load_translator(model, backend, store=store)
    loads = []
    load = translator.load
    translator.load = lambda: loads.append(1) or load()
    return translator, loads


def test_the_second_time_nothing_is_translated_and_no_model_is_loaded(converted, store):
    model = models.resolve(None, converted)
    first, loads = counting(model, "ctranslate2", store)
    pairs = first.translate(SENTENCES)
    assert (first.translated, first.hits, len(loads)) == (2, 0, 1)
    again, loads = counting(model, "ctranslate2", store)
    assert again.translate(SENTENCES) == pairs
    assert (again.translated, again.hits, loads) == (0, 2, [])
    assert pairs[1].review == "dropped the number 3", "verdicts are cached with the English"


def test_engines_and_revisions_do_not_share_entries(converted, tmp_path, store):
    model = models.resolve(None, converted)
    load_translator(model, "ctranslate2", store=store).translate(SENTENCES[:1])
    other_engine = load_translator(model, "transformers", store=store)
    other_engine.translate(SENTENCES[:1])
    assert other_engine.translated == 1
    changed = tmp_path / "changed"
    changed.mkdir()
    for item in converted.iterdir():
        if item.is_file():
            (changed / item.name).write_bytes(item.read_bytes())
    (changed / "extra.txt").write_text("a file more: another revision")
    other_revision = load_translator(models.resolve(None, changed), "transformers", store=store)
    other_revision.translate(SENTENCES[:1])
    assert other_revision.translated == 1
    engines = {(row.engine, row.revision) for row in cache.stats(store)}
    assert len(engines) == 3 and {e for e, _ in engines} == {
        "ctranslate2-int8",
        "transformers-float32",
    }


def test_cache_stats_and_clear(converted, store):
    load_translator(models.resolve(None, converted), "ctranslate2", store=store).translate(
        SENTENCES
    )
    runner = CliRunner()
    stats = runner.invoke(app, ["cache", "stats"])
    assert stats.exit_code == 0, stats.output
    assert "marian" in stats.output and "ctranslate2-int8" in stats.output
    assert "total: 2 sentence(s)" in stats.output
    assert runner.invoke(app, ["cache", "clear", "--model", "other"]).output.startswith("removed 0")
    assert runner.invoke(app, ["cache", "clear"]).output.startswith("removed 2")
    assert "total: 0 sentence(s)" in runner.invoke(app, ["cache", "stats"]).output


def test_two_builds_at_once_then_a_third_from_the_cache(converted, tmp_path, isolated_state):
    env = {**os.environ, "DIGEST_STATE": str(isolated_state)}
    running = [
        digest("build", SEEDS, "--model-dir", converted, "--out", tmp_path / f"site{i}", env=env)
        for i in range(2)
    ]
    for process in running:
        _, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, stderr
    issues = [(tmp_path / f"site{i}" / "2025-08-16" / "digest.md").read_text() for i in range(2)]
    assert issues[0] == issues[1] and "backend:ctranslate2-int8" in issues[0]
    rows = sqlite3.connect(isolated_state).execute("SELECT COUNT(*) FROM translations").fetchone()
    assert rows[0] == 5

    probe = (
        "import sys\n"
        "from digest.cli import app\n"
        "try:\n"
        "    app([sys.argv[1], *sys.argv[2:]])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'transformers'}))\n"
    )
    third = subprocess.run(
        [
            sys.executable,
            "-c",
            probe,
            "build",
            SEEDS,
            "--model-dir",
            converted,
            "--out",
            tmp_path / "site2",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
    )
    assert third.returncode == 0, third.stderr
    assert "5 from the cache, 0 translated" in third.stderr
    assert third.stdout.strip().endswith("[]"), "neither torch nor transformers loaded: no model"
    assert (tmp_path / "site2" / "2025-08-16" / "digest.md").read_text() == issues[0]
