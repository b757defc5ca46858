"""`digest eval translate` on a few FLORES-200 lines with the tiny models: the mechanics only."""

import json

import pytest
from typer.testing import CliRunner

from digest.cli import app
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
    args += ["--limit", "4", "--json", "--benchmarks", benchmarks]
    result = CliRunner().invoke(app, list(map(str, args)))
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output[result.output.index("{") :])
    assert payload["lines"] == 4 and payload["model"] == folder.name
    assert 0 <= payload["bleu"] < 5 and 0 < payload["chrf"] < 30, "random weights score near zero"
    assert payload["bleu_signature"].startswith("nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp")
    assert payload["chrf_signature"].startswith("nrefs:1|case:mixed|eff:yes|nc:6|nw:0")
    assert payload["engine"] == "transformers-float32"
    table = benchmarks.read_text()
    assert f"<!-- eval-translate-{folder.name} -->" in table and "tok:13a" in table


def test_misaligned_files_are_a_clear_error(flores, tmp_path, tiny_marian):
    src, _ = flores
    ref = tmp_path / "ref.txt"
    ref.write_text("one line\n")
    args = ["eval", "translate", "--src", src, "--ref", ref, "--model-dir", tiny_marian]
    result = CliRunner().invoke(app, list(map(str, args)))
    assert result.exit_code == 2
    assert "has 1012 lines but" in result.output and "line-aligned" in result.output
