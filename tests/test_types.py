"""mypy over digest/, clean: part of the one test command, so CI and the README's `python -m
pytest` both run it."""

import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def test_mypy_finds_no_type_errors_in_digest():
    if (
        shutil.which("mypy") is None
        and subprocess.run(
            [sys.executable, "-m", "mypy", "--version"], capture_output=True
        ).returncode
    ):
        pytest.fail("mypy is not installed; `pip install -e '.[test]'` installs it")
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "digest"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("Success: no issues found")
