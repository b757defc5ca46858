"""One settings model: every build option is a config key, documented, and taken in one order."""

import re
from pathlib import Path

import pytest
import typer

from digest import configfile, settings
from digest.cli import app
from digest.errors import ConfigError, UsageError
from digest.settings import resolve
from tests.conftest import ROOT, SEEDS, STORIES
from tests.mailserver import write_config
from tests.test_build import digest

README = (ROOT / "README.md").read_text(encoding="utf-8")
NOT_SETTINGS = {"config", "debug", "help"}


def command_params(name: str) -> dict:
    """The parameters of one subcommand, by name, as the command line parses them."""
    command = typer.main.get_command(app)
    return {param.name: param for param in command.commands[name].params}


def test_every_build_option_is_a_config_key_and_has_a_readme_line(tmp_path):
    params = command_params("build")
    fields = {item.name for item in settings.build_fields()}
    assert set(params) - NOT_SETTINGS == fields
    values = {
        "sources": ["news"],
        "out": "site",
        "date": "2025-08-16",
        "model": "opus-mt-ar-en",
        "model_dir": "models",
        "bullets": 3,
        "stories": 8,
        "also_reported": 20,
        "sections": ["middle-east+world", "economy", "sport:3"],
        "translate": False,
        "strict": True,
        "templates": "templates",
        "fetch_articles": True,
        "allow_private_urls": True,
        "backend": "transformers",
        "threads": 2,
        "device": "cpu",
        "max_age": 7,
        "site_url": "https://example.org/digest/",
        "search": False,
    }
    assert set(values) == fields, "a new build option needs a value in this test"
    path = write_config(tmp_path / "digest.toml", values)
    path.write_text(path.read_text().replace('"2025-08-16"', "2025-08-16"), encoding="utf-8")
    read = configfile.read(path)
    assert set(read.build) == fields
    for name, param in params.items():
        if name in NOT_SETTINGS:
            continue
        option = param.opts[0] if param.param_type_name == "option" else "SOURCES"
        row = re.search(rf"^\| `{name}` \| `?{re.escape(option)}", README, re.M)
        assert row, f"README.md has no row for the setting {name} ({option})"


@pytest.mark.parametrize("command", ["run", "schedule"])
def test_run_and_schedule_take_every_build_option(command):
    assert set(command_params("build")) - NOT_SETTINGS <= set(command_params(command))


def test_precedence_is_command_line_then_environment_then_file_then_default(tmp_path):
    path = write_config(tmp_path / "digest.toml", {"model_dir": "from-file", "bullets": 2})
    file = configfile.read(path)
    environ = {"DIGEST_MODEL_DIR": "/from/env"}
    given = {"model_dir": Path("/from/cli")}
    assert resolve(given, environ, file).build.model_dir == Path("/from/cli")
    assert resolve({}, environ, file).build.model_dir == Path("/from/env")
    assert resolve({}, {}, file).build.model_dir == tmp_path / "from-file"
    assert resolve({}, {}, None).build.model_dir is None
    assert resolve({"bullets": 5}, {}, file).build.bullets == 5
    assert resolve({}, {}, file).build.bullets == 2
    assert resolve({}, {}, None).build.bullets == 4


def test_digest_run_reads_every_build_option_from_the_file(tmp_path):
    (tmp_path / "mine").mkdir()
    top = {
        "sources": ["articles", "https://example.org/feed.xml"],
        "templates": "mine",
        "backend": "transformers",
        "threads": 1,
        "fetch_articles": True,
        "strict": True,
    }
    path = write_config(tmp_path / "digest.toml", top)
    build = resolve({}, {}, configfile.read(path)).build
    assert build.sources == (str(tmp_path / "articles"), "https://example.org/feed.xml")
    assert build.templates == tmp_path / "mine"
    assert (build.backend, build.threads, build.fetch_articles, build.strict) == (
        "transformers",
        1,
        True,
        True,
    )


@pytest.mark.parametrize(
    ("top", "message"),
    [
        ({"backend": "onnx"}, "backend: must be one of auto, transformers, ctranslate2"),
        ({"threads": 0}, "threads: must be between"),
        ({"strict": "yes"}, "strict: expected true or false"),
        ({"date": "16/08/2025"}, "date: expected a date"),
        ({"templates": 3}, "templates: expected a string"),
    ],
)
def test_bad_build_keys_name_the_key(tmp_path, top, message):
    with pytest.raises(ConfigError, match=message):
        configfile.read(write_config(tmp_path / "digest.toml", top))


def test_environment_values_are_checked(tmp_path):
    with pytest.raises(UsageError, match=r"--templates .*: no such folder"):
        resolve({"templates": tmp_path / "absent"}, {}, None)


def test_build_reads_digest_toml_in_the_current_folder_and_options_win(tmp_path):
    (tmp_path / "articles").mkdir()
    for seed in SEEDS.glob("*.txt"):
        (tmp_path / "articles" / seed.name).write_bytes(seed.read_bytes())
    write_config(
        tmp_path / "digest.toml", {"sources": ["articles"], "translate": False, "bullets": 2}
    )
    result = digest("build", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    markdown = tmp_path / "site" / "2025-08-16" / "digest.md"
    assert markdown.read_text(encoding="utf-8").count("\n- ") == 2
    result = digest("build", "--bullets", "3", STORIES / "sfax-aljazeera.txt", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "(1 story)" in result.stdout


def test_sections_from_the_command_line_the_environment_and_the_file(tmp_path):
    path = write_config(tmp_path / "digest.toml", {"sections": ["world", "sport:2"]})
    file = configfile.read(path)
    environ = {"DIGEST_SECTIONS": "middle-east+world, economy"}
    assert resolve({"sections": "culture,sport:3"}, environ, file).build.sections == (
        "culture",
        "sport:3",
    )
    assert resolve({}, environ, file).build.sections == ("middle-east+world", "economy")
    assert resolve({}, {}, file).build.sections == ("world", "sport:2")
    default = resolve({}, {}, None).build
    assert default.sections[-1] == "sport" and "other" in default.sections[0]
    assert (default.stories, default.also_reported) == (12, 30)


@pytest.mark.parametrize(
    ("sections", "message"),
    [
        (["world", "sports"], "unknown section 'sports'; the sections are world, middle-east"),
        (["world", "world+sport"], "'world' is listed twice"),
        (["sport:0"], "a whole number of at least 1"),
        (["sport:three"], "a whole number of at least 1"),
        ([], "name at least one section"),
    ],
)
def test_bad_sections_are_refused_where_they_are_written(tmp_path, sections, message):
    with pytest.raises(ConfigError, match=f"sections: .*{re.escape(message)}"):
        configfile.read(write_config(tmp_path / "digest.toml", {"sections": sections}))
    with pytest.raises(UsageError, match=f"--sections: .*{re.escape(message)}"):
        resolve({}, {"DIGEST_SECTIONS": ",".join(sections) or ","}, None)


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"stories": 0}, "--stories must be at least 1, got 0"),
        ({"stories": 201}, "--stories must be at most 200, got 201"),
        ({"also_reported": -1}, "--also-reported must be at least 0, got -1"),
        ({"also_reported": 1001}, "--also-reported must be at most 1000, got 1001"),
    ],
)
def test_the_cut_is_bounded(given, message):
    with pytest.raises(UsageError, match=re.escape(message)):
        resolve(given, {}, None)
