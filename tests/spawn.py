"""The real `digest` command in a child process: for tests that run two at once, kill one, or
signal it, which an in-process runner cannot do."""

import os
import subprocess
import sys

from tests.conftest import ROOT


def digest(*args, env=None, **options) -> subprocess.Popen:
    """Started in the checkout with this test's environment (its own state file included)."""
    return subprocess.Popen(
        [sys.executable, "-m", "digest", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        **options,
    )
