import hashlib
import os
import shutil
import subprocess
import sys
import time

import pytest
from typer.testing import CliRunner

from digest.cli import app
from digest.errors import ModelError
from digest.translate import convert, models, presence
from tests.conftest import ROOT, SEEDS


def test_models_lock_names_the_three_models_and_the_default():
    lock = models.read_lock()
    assert lock.default == "opus-mt-tc-big-ar-en"
    specs = {spec.name: spec for spec in lock.models}
    assert specs["opus-mt-tc-big-ar-en"].hub_id == "Helsinki-NLP/opus-mt-tc-big-ar-en"
    assert specs["opus-mt-ar-en"].hub_id == "Helsinki-NLP/opus-mt-ar-en"
    nllb = specs["nllb-200-distilled-600M"]
    assert (nllb.hub_id, nllb.kind, nllb.source_lang, nllb.target_lang) == (
        "facebook/nllb-200-distilled-600M",
        "nllb",
        "arb_Arab",
        "eng_Latn",
    )


@pytest.mark.parametrize(
    ("revision", "pinned"),
    [("main", False), ("a" * 40, True), ("A" * 40, False), ("abc123", False)],
)
def test_only_a_full_commit_hash_pins(revision, pinned):
    spec = models.ModelSpec("m", "org/m", revision, "marian", "ar", "en")
    assert spec.pinned is pinned


def write_lock(tmp_path, body):
    path = tmp_path / "models.lock"
    path.write_text(body)
    return path


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('default = "x"\n[models.x]\nhub_id = "o/x"\n', "has no revision"),
        (
            'default = "x"\n[models.x]\nhub_id="o/x"\nrevision="main"\nkind="t5"\nsource_lang="ar"\ntarget_lang="en"\n',
            "kind 't5'",
        ),
        (
            'default = "y"\n[models.x]\nhub_id="o/x"\nrevision="main"\nkind="marian"\nsource_lang="ar"\ntarget_lang="en"\n',
            "unknown model 'y'",
        ),
        ("default = [", "cannot read"),
    ],
)
def test_bad_lock_files(tmp_path, body, message):
    with pytest.raises(ModelError, match=message):
        models.read_lock(write_lock(tmp_path, body))


def test_model_dir_holding_the_model(tiny_marian, tiny_nllb):
    marian = models.resolve(None, tiny_marian)
    assert (marian.spec.kind, marian.spec.name, marian.origin) == (
        "marian",
        "tiny-marian",
        "model-dir",
    )
    assert marian.spec.revision.startswith("local-")
    nllb = models.resolve(None, tiny_nllb)
    assert (nllb.spec.kind, nllb.spec.source_lang, nllb.spec.target_lang) == (
        "nllb",
        "arb_Arab",
        "eng_Latn",
    )


def test_model_dir_holding_models_by_name(tmp_path, tiny_marian):
    shutil.copytree(tiny_marian, tmp_path / "opus-mt-ar-en")
    resolved = models.resolve("opus-mt-ar-en", tmp_path)
    assert resolved.path == tmp_path / "opus-mt-ar-en"
    assert resolved.spec.hub_id == "Helsinki-NLP/opus-mt-ar-en"


def test_model_dir_kind_must_match_the_named_model(tiny_nllb):
    with pytest.raises(ModelError, match="holds a nllb model but opus-mt-ar-en is a marian model"):
        models.resolve("opus-mt-ar-en", tiny_nllb)


def test_model_dir_without_a_model(tmp_path):
    with pytest.raises(ModelError, match=r"no model opus-mt-tc-big-ar-en \(the default\) in"):
        models.resolve(None, tmp_path)


def test_unsupported_architecture(tmp_path):
    (tmp_path / "config.json").write_text('{"model_type": "t5"}')
    with pytest.raises(ModelError, match="holds a 't5' model"):
        models.resolve(None, tmp_path)


def test_missing_model_offline_names_the_fix():
    with pytest.raises(ModelError) as error:
        models.resolve(None, None)
    assert "digest models pull opus-mt-tc-big-ar-en" in str(error.value)
    assert "--model-dir" in str(error.value)


def fake_snapshot(tmp_path, spec, source):
    """Lay out a Hugging Face cache entry the way a download leaves it."""
    repo = tmp_path / "hf-home" / "hub" / f"models--{spec.hub_id.replace('/', '--')}"
    commit = "0" * 40
    shutil.copytree(source, repo / "snapshots" / commit)
    (repo / "refs").mkdir()
    (repo / "refs" / spec.revision).write_text(commit)
    return repo / "snapshots" / commit


def test_local_hugging_face_cache_is_used_before_the_hub(tmp_path, tiny_marian):
    spec = models.read_lock().get("opus-mt-ar-en")
    snapshot = fake_snapshot(tmp_path, spec, tiny_marian)
    resolved = models.resolve("opus-mt-ar-en", None)
    assert (resolved.path, resolved.origin) == (snapshot, "hf-cache")
    assert presence.presence(spec, None) == "hf-cache"


def test_cached_files_are_checked_against_the_lock(tmp_path, tiny_marian):
    spec = models.read_lock().get("opus-mt-ar-en")
    snapshot = fake_snapshot(tmp_path, spec, tiny_marian)
    good = hashlib.sha256((snapshot / "config.json").read_bytes()).hexdigest()
    models.verify(models.ModelSpec(**{**spec.__dict__, "files": {"config.json": good}}), snapshot)
    bad = models.ModelSpec(**{**spec.__dict__, "files": {"config.json": "0" * 64}})
    with pytest.raises(ModelError, match="config.json has sha256"):
        models.verify(bad, snapshot)
    missing = models.ModelSpec(**{**spec.__dict__, "files": {"weights.bin": "0" * 64}})
    with pytest.raises(ModelError, match="weights.bin is missing"):
        models.verify(missing, snapshot)


def test_pull_refuses_offline():
    result = CliRunner().invoke(app, ["models", "pull", "opus-mt-ar-en"])
    assert result.exit_code == 2
    assert "HF_HUB_OFFLINE=1" in result.output


def test_models_list_shows_pins_and_presence(tmp_path, tiny_marian):
    shutil.copytree(tiny_marian, tmp_path / "opus-mt-ar-en")
    result = CliRunner().invoke(app, ["models", "list", "--model-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "opus-mt-tc-big-ar-en (default)" in result.output
    assert "main (unpinned)" in result.output
    assert f"model-dir ({tmp_path / 'opus-mt-ar-en'})" in result.output
    assert result.output.count("not present") == 2


def build_without_model(tmp_path, env):
    """Run `digest build seeds/` in a fresh process: (seconds taken, its one stderr line)."""
    start = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "digest", "build", SEEDS, "--out", tmp_path / "site"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert not (tmp_path / "site").exists()
    return time.monotonic() - start, lines[0]


def test_build_with_no_model_offline_exits_2_quickly_with_one_line(tmp_path):
    seconds, line = build_without_model(tmp_path, dict(os.environ))
    assert seconds < 10
    assert line.startswith("error: model opus-mt-tc-big-ar-en is not on this machine")
    assert "digest models pull opus-mt-tc-big-ar-en" in line


def test_unreachable_hub_is_one_line_and_no_long_wait(tmp_path):
    env = {
        k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    }
    env |= {"HF_ENDPOINT": "http://127.0.0.1:9", "HF_HOME": str(tmp_path / "hf")}
    seconds, line = build_without_model(tmp_path, env)
    assert seconds < 10
    assert line.startswith("error: cannot download opus-mt-tc-big-ar-en from the Hub")


def test_convert_writes_the_conversion_inside_a_model_dir_model(tmp_path, tiny_nllb):
    shutil.copytree(tiny_nllb, tmp_path / "nllb-200-distilled-600M")
    result = CliRunner().invoke(
        app, ["models", "convert", "nllb-200-distilled-600M", "--model-dir", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    folder = tmp_path / "nllb-200-distilled-600M" / "ctranslate2"
    assert {"model.bin", "config.json", "digest-convert.json"} <= {p.name for p in folder.iterdir()}
    model = models.resolve("nllb-200-distilled-600M", tmp_path)
    record = convert.conversion(model)
    assert record["quantization"] == "int8" and record["source_revision"] == model.revision
    assert convert.conversion_state(model) == "current"
    assert not list(tmp_path.glob("**/*.partial-*")) and not list(tmp_path.glob("**/*.old-*"))


def test_a_hub_model_is_converted_into_the_store_keyed_by_commit(
    tmp_path, tiny_marian, monkeypatch
):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    spec = models.read_lock().get("opus-mt-ar-en")
    snapshot = fake_snapshot(tmp_path, spec, tiny_marian)
    model = models.resolve("opus-mt-ar-en", None)
    assert model.revision == snapshot.name
    folder = convert.convert(model, "float16")
    assert (
        folder
        == tmp_path / "data" / "digest" / "models" / "opus-mt-ar-en" / snapshot.name / "ctranslate2"
    )
    assert not (snapshot / "ctranslate2").exists(), "the Hugging Face cache is left as it was"
    assert convert.conversion(model)["quantization"] == "float16"


def test_convert_refuses_an_unknown_quantization(tiny_marian):
    with pytest.raises(ModelError, match="unknown quantization 'int3'"):
        convert.convert(models.resolve(None, tiny_marian), "int3")


def test_a_failed_conversion_leaves_nothing_behind(tmp_path):
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "config.json").write_text('{"model_type": "marian"}')
    with pytest.raises(ModelError, match="cannot convert broken"):
        convert.convert(models.resolve(None, folder))
    assert sorted(p.name for p in folder.iterdir()) == ["config.json"]


def test_verify_checks_the_lock_and_the_conversion(tmp_path, tiny_marian):
    shutil.copytree(tiny_marian, tmp_path / "opus-mt-ar-en")
    convert.convert(models.resolve("opus-mt-ar-en", tmp_path))
    runner = CliRunner()
    result = runner.invoke(app, ["models", "verify", "--model-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "opus-mt-ar-en: " in result.output and "records no hashes" in result.output
    assert "int8 conversion, files match (current)" in result.output
    assert "opus-mt-tc-big-ar-en: not present" in result.output

    (tmp_path / "opus-mt-ar-en" / "ctranslate2" / "model.bin").write_bytes(b"tampered")
    result = runner.invoke(app, ["models", "verify", "--model-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "model.bin is missing or differs from its conversion record" in result.output


def test_verify_reports_a_file_that_differs_from_models_lock(tmp_path, tiny_marian):
    shutil.copytree(tiny_marian, tmp_path / "opus-mt-ar-en")
    spec = models.read_lock().get("opus-mt-ar-en")
    good = {"config.json": models.sha256(tmp_path / "opus-mt-ar-en" / "config.json")}
    ok = models.ModelSpec(**{**spec.__dict__, "files": good})
    assert (
        "1 file(s) match models.lock"
        in presence.verify_present(ok, presence.located(ok, tmp_path))[0]
    )
    bad = models.ModelSpec(**{**spec.__dict__, "files": {"config.json": "0" * 64}})
    with pytest.raises(ModelError, match="config.json has sha256"):
        presence.verify_present(bad, presence.located(bad, tmp_path))


def test_write_lock_round_trips_and_keeps_the_header(tmp_path):
    path = tmp_path / "models.lock"
    shutil.copy(ROOT / "models.lock", path)
    lock = models.read_lock(path)
    pinned = models.ModelSpec(
        **{
            **lock.get("opus-mt-ar-en").__dict__,
            "revision": "a" * 40,
            "files": {"config.json": "b" * 64},
        }
    )
    updated = models.Lock(
        lock.default, tuple(pinned if s.name == pinned.name else s for s in lock.models)
    )
    models.write_lock(updated, path)
    again = models.read_lock(path)
    assert again == updated
    assert again.get("opus-mt-ar-en").files == {"config.json": "b" * 64}
    assert again.get("opus-mt-ar-en").pinned
    text = path.read_text()
    assert text.startswith("# The translation models digest knows")


def test_lock_refuses_offline_and_leaves_the_file_alone(tmp_path):
    path = tmp_path / "models.lock"
    shutil.copy(ROOT / "models.lock", path)
    before = path.read_text()
    result = CliRunner().invoke(app, ["models", "lock", "--lock-file", str(path)])
    assert result.exit_code == 2 and "HF_HUB_OFFLINE=1" in result.output
    assert path.read_text() == before


def test_models_list_shows_a_conversion(tmp_path, tiny_marian):
    shutil.copytree(tiny_marian, tmp_path / "opus-mt-ar-en")
    convert.convert(models.resolve("opus-mt-ar-en", tmp_path))
    result = CliRunner().invoke(app, ["models", "list", "--model-dir", str(tmp_path)])
    assert "CTranslate2 conversion current" in result.output


def test_lock_pins_the_commit_and_records_every_file_hash(tmp_path, tiny_marian):
    from tests.hub_server import COMMIT, serve

    server, requests = serve("Helsinki-NLP/opus-mt-ar-en", tiny_marian)
    try:
        path = tmp_path / "models.lock"
        shutil.copy(ROOT / "models.lock", path)
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
        }
        env |= {
            "HF_ENDPOINT": f"http://127.0.0.1:{server.server_port}",
            "HF_HOME": str(tmp_path / "hf"),
        }
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "digest",
                "models",
                "lock",
                "opus-mt-ar-en",
                "--lock-file",
                path,
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=env,
            timeout=120,
        )
    finally:
        server.shutdown()
    assert run.returncode == 0, run.stderr + "\n".join(requests)
    spec = models.read_lock(path).get("opus-mt-ar-en")
    assert spec.revision == COMMIT and spec.pinned
    assert spec.files == {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in tiny_marian.iterdir()
        if p.is_file()
    }
    assert models.read_lock(path).get("opus-mt-tc-big-ar-en").revision == "main", "others untouched"
    assert f"opus-mt-ar-en: {COMMIT}" in run.stdout


def test_convert_without_a_name_converts_the_model_dir_model(tmp_path, tiny_marian):
    folder = shutil.copytree(tiny_marian, tmp_path / "any-name")
    result = CliRunner().invoke(app, ["models", "convert", "--model-dir", str(folder)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"converted: {folder / 'ctranslate2'}"
    assert convert.conversion_state(models.resolve(None, folder)) == "current"


def test_the_issue_signature_names_the_snapshot_commit_not_the_branch(tmp_path, tiny_marian, store):
    from digest.pipeline import build
    from digest.settings import build_settings
    from tests.conftest import SEEDS

    spec = models.read_lock().get("opus-mt-ar-en")
    fake_snapshot(tmp_path, spec, tiny_marian)
    result = build(
        build_settings([str(SEEDS)], out=tmp_path / "site", model="opus-mt-ar-en"), store
    )
    assert result.issue.signature.revision == "0" * 40
    assert f"rev:{'0' * 40}" in (result.folder / "digest.md").read_text(encoding="utf-8")
