"""`digest review` as a user runs it: a real server process on 127.0.0.1, its URL and token, one
server per output folder (a second prints the first's URL), a stale lock file from a killed
server blocking nothing, and one-line errors for a missing issue or a busy port."""

from __future__ import annotations

import os
import socket
import stat
import time

import httpx
import pytest

from tests.review_sites import finished, publish_site, started, stop
from tests.spawn import digest


@pytest.fixture
def out(tmp_path):
    publish_site(tmp_path / "site")
    return tmp_path / "site"


def test_the_server_prints_its_url_serves_the_issue_and_cleans_up_on_exit(out):
    process, url, match = started(out)
    try:
        origin = url.split("/?", 1)[0]
        answer = httpx.get(f"{origin}/api/issue", params={"token": match[2]}, timeout=30)
        assert answer.status_code == 200
        assert answer.json()["date"] == "2025-08-16" and answer.json()["editor"] == "Rania"
        assert httpx.get(f"{origin}/api/issue", timeout=30).status_code == 401
        same_machine = origin.replace("//127.0.0.1", "//localhost")
        assert httpx.get(f"{same_machine}/api/issue", params={"token": match[2]}).status_code == 200
        running = out / ".digest-review"
        assert running.read_text().strip() == url
        assert stat.S_IMODE(running.stat().st_mode) == 0o600
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://{local_address()}:{match[1]}/api/issue", timeout=5)
    finally:
        code, _, err = stop(process)
    assert code == 0, err
    assert f"serving the review of {out / '2025-08-16'} until Ctrl+C" in err
    assert not (out / ".digest-review").exists()


def local_address() -> str:
    """An address of this machine other than loopback, to show the server is not bound to it."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
            address = probe.getsockname()[0]
        except OSError:
            address = "127.0.0.1"
    if address.startswith("127."):
        pytest.skip("this machine has no address but loopback")
    return address


def test_a_second_review_of_the_folder_prints_the_first_s_url(out):
    first, url, _ = started(out)
    try:
        code, printed, err = finished(digest("review", "--no-browser", "--out", out))
        assert code == 0, err
        assert printed == f"digest review is already running for this folder: {url}\n"
    finally:
        stop(first)


def test_a_server_killed_with_sigkill_leaves_a_file_that_blocks_nothing(out):
    first, url, _ = started(out)
    first.kill()
    first.wait()
    assert (out / ".digest-review").read_text().strip() == url
    second, new_url, match = started(out)
    try:
        assert new_url != url
        origin = new_url.split("/?", 1)[0]
        answer = httpx.get(f"{origin}/api/issue", headers={"Authorization": f"Bearer {match[2]}"})
        assert answer.status_code == 200
    finally:
        stop(second)


@pytest.mark.parametrize("date", ["2030-01-01", "latest"])
def test_a_review_of_an_issue_that_does_not_exist_is_one_error_line_exit_2(tmp_path, date):
    (tmp_path / "empty").mkdir()
    code, printed, err = finished(
        digest("review", "--no-browser", "--out", tmp_path / "empty", "--date", date)
    )
    assert code == 2 and printed == ""
    assert err.startswith("error: no issue ") and err.count("\n") == 1
    assert "digest build" in err
    assert os.listdir(tmp_path / "empty") == []


def test_a_busy_port_is_one_error_line_exit_2(out):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, printed, err = finished(
            digest("review", "--no-browser", "--out", out, "--port", port)
        )
    assert code == 2 and printed == ""
    assert err.startswith(f"error: cannot listen on 127.0.0.1:{port}") and err.count("\n") == 1
    assert not (out / ".digest-review").exists()


def test_a_bad_date_is_one_error_line_exit_2(out):
    code, _, err = finished(digest("review", "--no-browser", "--out", out, "--date", "16/08/2025"))
    assert code == 2 and err == "error: --date: '16/08/2025' is not a date; write YYYY-MM-DD\n"


def test_the_browser_is_opened_with_a_one_time_code_unless_no_browser(out, tmp_path):
    """$BROWSER names the program Python's webbrowser runs: here a script that writes down the
    address it was given."""
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser"
    browser.write_text(f'#!/bin/sh\necho "$1" >> {opened}\n')
    browser.chmod(0o755)
    first = digest("review", "--out", out, env={"BROWSER": str(browser)})
    url = first.stdout.readline().strip()
    origin = url.split("/?", 1)[0]
    try:
        for _ in range(100):
            if opened.exists():
                break
            time.sleep(0.05)
        (given,) = opened.read_text().splitlines()
        assert given.startswith(f"{origin}/?code=") and url.split("=", 1)[1] not in given
        code, printed, err = finished(digest("review", "--out", out, env={"BROWSER": str(browser)}))
        assert code == 0, err
        (_, again) = opened.read_text().splitlines()
        assert again.startswith(f"{origin}/?code=") and again != given, "a code of its own"
        finished(digest("review", "--no-browser", "--out", out, env={"BROWSER": str(browser)}))
        assert opened.read_text().count("\n") == 2
    finally:
        stop(first)


def test_a_port_out_of_range_is_refused_with_exit_2(out):
    code, printed, err = finished(digest("review", "--no-browser", "--out", out, "--port", 70000))
    assert code == 2 and printed == "" and "--port" in err
