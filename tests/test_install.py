"""A wheel (what `pip install .` installs) carries the templates and models.lock with it."""

import os
import subprocess
import sys
import zipfile

import pytest

from tests.conftest import ROOT, SEEDS


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    wheels = tmp_path_factory.mktemp("wheels")
    target = tmp_path_factory.mktemp("site-packages")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-cache-dir", "-q"]
    # pip asks `rustc --version` for its User-Agent; a rustup proxy would write its settings
    # under $HOME, which no test may touch.
    tools = tmp_path_factory.mktemp("rustup")
    run = dict(check=True, timeout=300, env={**os.environ, "RUSTUP_HOME": str(tools)})
    subprocess.run([*pip, "wheel", "--no-deps", "-w", wheels, ROOT], **run)
    (wheel,) = wheels.glob("digest-*.whl")
    subprocess.run([*pip, "install", "--no-deps", "--target", target, wheel], **run)
    return wheel, target


def test_wheel_holds_templates_and_models_lock(installed):
    wheel, _ = installed
    names = zipfile.ZipFile(wheel).namelist()
    assert "digest/templates/newsletter.html.j2" in names
    assert "digest/templates/newsletter.md.j2" in names
    assert "digest/models.lock" in names


def test_installed_package_builds_away_from_the_checkout(installed, tmp_path):
    _, target = installed
    env = {**os.environ, "PYTHONPATH": str(target)}
    run = dict(capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    where = subprocess.run([sys.executable, "-c", "import digest; print(digest.__file__)"], **run)
    assert where.stdout.startswith(str(target))
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "digest",
            "build",
            SEEDS,
            "--no-translate",
            "--out",
            tmp_path / "out",
        ],
        **run,
    )
    assert built.returncode == 0, built.stderr
    assert (tmp_path / "out" / "2025-08-16" / "index.html").exists()
    listed = subprocess.run([sys.executable, "-m", "digest", "models", "list"], **run)
    assert listed.returncode == 0 and "opus-mt-tc-big-ar-en (default)" in listed.stdout
