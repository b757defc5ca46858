"""The real-data suites (FLORES-200, EASC, NTREX, the real pages) on a machine without
../shared/data: skipped there with the folder named, failed under CI."""

import pytest

from tests import conftest


class Item:
    def __init__(self, *folders):
        self.mark = pytest.mark.real_data(*folders).mark

    def iter_markers(self, name):
        return [self.mark] if name == "real_data" else []


@pytest.mark.parametrize("ci", ["true", "1"])
def test_a_missing_folder_fails_under_ci_and_says_which(monkeypatch, ci):
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception, match="no-such-suite missing.*under CI"):
        conftest.pytest_runtest_setup(Item("ntrex", "no-such-suite"))


def test_a_missing_folder_is_skipped_elsewhere(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no-such-suite missing"):
        conftest.pytest_runtest_setup(Item("no-such-suite"))


@pytest.mark.real_data("ntrex")
def test_present_folders_run(monkeypatch):
    monkeypatch.setenv("CI", "true")
    present = [p.name for p in conftest.SHARED_DATA.iterdir() if p.is_dir()]
    assert conftest.pytest_runtest_setup(Item(*present)) is None
