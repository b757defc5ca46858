"""What a Python user may import from ``digest`` itself: it resolves, it builds and reads back an
issue, and importing the package loads nothing heavy."""

import subprocess
import sys

import pytest

import digest
from tests.conftest import ROOT, SEEDS


def test_every_public_name_resolves_and_is_listed():
    for name in digest.__all__:
        assert getattr(digest, name) is not None, name
    assert set(dir(digest)) == set(digest.__all__) == {"__version__", *digest.PUBLIC}
    with pytest.raises(AttributeError, match="no attribute 'pipeline_stages'"):
        digest.pipeline_stages  # noqa: B018


def test_a_build_through_the_public_api_reads_back_whole(tmp_path):
    settings = digest.build_settings([SEEDS], out=tmp_path / "site", translate=False)
    assert isinstance(settings, digest.BuildSettings)
    result = digest.build(settings, digest.Store(tmp_path / "state.db"))
    assert isinstance(result, digest.BuildResult) and isinstance(result.issue, digest.Issue)
    assert digest.read_issue(result.folder).issue == result.issue
    assert [issue.date for issue in digest.read_archive(tmp_path / "site")] == [result.issue.date]
    with pytest.raises(digest.SiteError):
        digest.read_issue(tmp_path)


def test_importing_the_package_loads_no_stage():
    code = (
        "import sys, digest; "
        "print(sorted(m for m in sys.modules if m.startswith('digest.') or m in "
        "('torch', 'transformers', 'starlette', 'jinja2', 'scipy')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert done.stdout.strip() == "['digest.version']"
