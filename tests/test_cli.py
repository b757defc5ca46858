"""What an operator trying the commands for the first time meets: help, errors, agreeing exits."""

import shutil

import pytest

from digest.errors import ModelError
from digest.translate import models
from tests.test_build import digest


def test_flags_show_no_type_in_help():
    result = digest("build", "--help")
    assert result.returncode == 0, result.stderr
    assert "<bool>" not in result.stdout
    assert "--fetch-articles / --no-fetch-articles" in result.stdout
    assert "╭" not in result.stdout, "plain help, no boxes"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["build", "seeds/", "--date", "16/08/2025"], "error: --date: '16/08/2025' is not a date"),
        (["send", "--date", "yesterday"], "error: --date: 'yesterday' is not a date"),
        (["build", "seeds/", "--bullets", "many"], "Invalid value for '--bullets'"),
    ],
)
def test_a_bad_value_is_one_error_line_not_a_box(tmp_path, args, message):
    result = digest(*args, "--out", tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert "╭" not in result.stderr and "Traceback" not in result.stderr
    if message.startswith("error:"):
        assert result.stderr.strip().splitlines() == [result.stderr.strip()]


def test_inspect_exits_2_like_build_when_no_source_gives_an_article(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("   \n")
    for command in ("inspect", "build"):
        result = digest(
            command, empty, *(["--out", tmp_path / "site"] if command == "build" else [])
        )
        assert result.returncode == 2, command
        assert "error: no article could be read from the sources given" in result.stderr


def test_summarise_names_a_folder_as_a_folder():
    result = digest("summarise", "seeds/")
    assert result.returncode == 2
    assert result.stderr.strip() == "error: seeds is a folder; name one article file in it"


def test_init_example_says_what_a_folder_source_means(tmp_path):
    path = tmp_path / "digest.toml"
    assert digest("init", "--config", path).returncode == 0
    text = path.read_text(encoding="utf-8")
    assert "*.txt" not in text
    assert "every readable source below a folder" in text


def test_a_bad_quantization_lists_the_choices_in_words(tiny_marian, tmp_path):
    folder = shutil.copytree(tiny_marian, tmp_path / "m")
    result = digest("models", "convert", "--model-dir", folder, "--quantization", "int3")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: unknown quantization 'int3'; use one of int8, int8_float32, int8_float16, "
        "int16, float16, bfloat16, float32"
    )


def test_model_dir_is_a_model_folder_or_a_folder_of_them_everywhere(tmp_path, tiny_marian):
    store = tmp_path / "store"
    shutil.copytree(tiny_marian, store / "opus-mt-ar-en")
    assert models.resolve("opus-mt-ar-en", store).path == store / "opus-mt-ar-en"
    with pytest.raises(ModelError) as error:
        models.resolve(None, store)
    assert str(error.value).startswith(
        f"no model opus-mt-tc-big-ar-en (the default) in {store}: it holds opus-mt-ar-en;"
    )
    with pytest.raises(ModelError, match=r"--model-dir .*absent: no such folder"):
        models.resolve(None, tmp_path / "absent")

    listed = digest("models", "list", "--model-dir", store)
    assert listed.returncode == 0, listed.stderr
    assert f"model-dir ({store / 'opus-mt-ar-en'})" in listed.stdout
    single = digest("models", "list", "--model-dir", tiny_marian)
    assert single.returncode == 0, single.stderr
    assert "tiny-marian (in --model-dir, not in models.lock)" in single.stdout
    assert f"model-dir ({tiny_marian})" in single.stdout
    verified = digest("models", "verify", "--model-dir", tiny_marian)
    assert verified.returncode == 0, verified.stderr
    assert f"tiny-marian: {tiny_marian}: models.lock records no hashes" in verified.stdout
    missing = digest("models", "list", "--model-dir", tmp_path / "absent")
    assert missing.returncode == 2 and "no such folder" in missing.stderr
