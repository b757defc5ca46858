"""`digest eval translate` on a few FLORES-200 lines with the tiny models: the mechanics only."""

import json
import shutil

import pytest
from typer.testing import CliRunner

from digest.cli import app
from digest.translate import convert, models
from tests.conftest import SHARED_DATA

FLORES = SHARED_DATA / "flores200"


@pytest.fixture
def flores(tmp_path):
    if not (FLORES / "arb_Arab.devtest").exists():
        pytest.skip(f"{FLORES} is not here")
    return FLORES / "arb_Arab.devtest", FLORES / "eng_Latn.devtest"


@pytest.mark.parametrize("kind", ["marian", "nllb"])
def test_bleu_and_chrf_with_signatures(flores, tmp_path, kind, tiny_marian, tiny_nllb):
    src, ref = flores
    folder = {"marian": tiny_marian, "nllb": tiny_nllb}[kind]
    benchmarks = tmp_path / "BENCHMARKS.md"
    args = ["eval", "translate", "--src", src, "--ref", ref, "--model-dir", folder]
    args += ["--limit", "4", "--json", "--write-benchmarks", benchmarks]
    result = CliRunner().invoke(app, list(map(str, args)))
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output[result.output.index("{") :])
    assert payload["lines"] == 4 and payload["model"] == folder.name
    assert 0 <= payload["bleu"] < 5 and 0 < payload["chrf"] < 30, "random weights score near zero"
    assert payload["bleu_signature"].startswith("nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp")
    assert payload["chrf_signature"].startswith("nrefs:1|case:mixed|eff:yes|nc:6|nw:0")
    assert payload["engine"] == "transformers-float32"
    table = benchmarks.read_text()
    assert f"<!-- eval-translate-{folder.name}-transformers-float32 -->" in table
    assert "tok:13a" in table
    command = (
        f"`digest eval translate --src {src} --ref {ref} --model-dir {folder} "
        "--backend auto --device auto --limit 4`"
    )
    assert command in table, "the command that reproduces the figures, as it was run"


def test_each_model_and_backend_keeps_its_own_section(flores, tmp_path, tiny_marian):
    src, ref = flores
    benchmarks = tmp_path / "BENCHMARKS.md"
    folder = tmp_path / "tiny-marian"
    shutil.copytree(tiny_marian, folder)
    convert.convert(models.resolve(None, folder), "int8")
    for backend in ("transformers", "ctranslate2"):
        args = ["eval", "translate", "--src", src, "--ref", ref, "--model-dir", folder]
        args += ["--limit", "2", "--backend", backend, "--write-benchmarks", benchmarks]
        result = CliRunner().invoke(app, list(map(str, args)))
        assert result.exit_code == 0, result.output
    table = benchmarks.read_text()
    for engine in ("transformers-float32", "ctranslate2-int8"):
        assert table.count(f"<!-- eval-translate-tiny-marian-{engine} -->") == 1


def test_misaligned_files_are_a_clear_error(flores, tmp_path, tiny_marian):
    src, _ = flores
    ref = tmp_path / "ref.txt"
    ref.write_text("one line\n")
    args = ["eval", "translate", "--src", src, "--ref", ref, "--model-dir", tiny_marian]
    result = CliRunner().invoke(app, list(map(str, args)))
    assert result.exit_code == 2
    assert "has 1012 lines but" in result.output and "line-aligned" in result.output
