"""Warnings reach whatever stderr is current, even after a command ran in the same process."""

import logging

from typer.testing import CliRunner

from digest.cli import app


def test_library_warnings_after_an_in_process_command_reach_the_current_stderr(tmp_path, capsys):
    bad = tmp_path / "articles" / "empty.txt"
    bad.parent.mkdir()
    bad.write_text("", encoding="utf-8")
    result = CliRunner().invoke(app, ["inspect", str(bad.parent)])
    assert f"could not process {bad}" in result.stderr

    logging.getLogger("digest.test").warning("after the command")
    captured = capsys.readouterr().err
    assert "warning: after the command" in captured
    assert "Logging error" not in captured
