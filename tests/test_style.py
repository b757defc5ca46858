"""ruff's lint and format checks over the code, clean: part of the one test command, as mypy is
(tests/test_types.py), so a change that passes the tests also keeps the house style."""

import subprocess
import sys

import pytest

from tests.conftest import ROOT

CHECKED = ["digest", "tests", "benchmarks"]


def ruff(*args):
    if subprocess.run([sys.executable, "-m", "ruff", "--version"], capture_output=True).returncode:
        pytest.fail("ruff is not installed; `pip install -e '.[test]'` installs it")
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args, *CHECKED],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )


def test_ruff_check_finds_nothing():
    done = ruff("check", "--no-cache")
    assert done.returncode == 0, done.stdout + done.stderr


def test_ruff_format_would_change_nothing():
    done = ruff("format", "--check", "--no-cache")
    assert done.returncode == 0, done.stdout + done.stderr
