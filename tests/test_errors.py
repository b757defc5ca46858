"""Errors by meaning: every kind has its exit code in one table, and the errors a user meets
name what went wrong, not the module that noticed it."""

import inspect

from digest import errors
from digest.errors import DigestError, SiteError, SourceError
from digest.publish import archive
from tests.test_build import digest


def kinds():
    return [
        kind
        for _, kind in inspect.getmembers(errors, inspect.isclass)
        if issubclass(kind, DigestError) and kind is not DigestError
    ]


def test_every_kind_of_error_has_its_exit_code_in_the_table():
    assert set(kinds()) == set(errors.EXIT_CODES)
    assert errors.BuildFailed("x").exit_code == 1
    assert {errors.EXIT_CODES[kind] for kind in kinds() if kind is not errors.BuildFailed} == {2}

    class Subkind(errors.BuildFailed):
        pass

    assert Subkind("x").exit_code == 1 and DigestError("x").exit_code == 2


def test_a_missing_or_broken_issue_is_a_site_error_for_mail_review_and_schedule(tmp_path):
    for problem in (lambda: archive.find(tmp_path, None), lambda: archive.read(tmp_path)):
        try:
            problem()
        except SiteError as error:
            assert "digest build" in str(error)
        else:
            raise AssertionError("no error")


def test_a_source_that_is_not_there_is_a_source_error_with_one_line(tmp_path):
    from digest.ingest import expand

    try:
        expand([tmp_path / "nope"])
    except SourceError as error:
        assert str(error) == f"no such file or folder: {tmp_path / 'nope'}"
    else:
        raise AssertionError("no error")
    result = digest("summarise", tmp_path / "nope.txt")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"error: no such file: {tmp_path / 'nope.txt'}"]
