"""Folders and state files digest cannot write (issue 23, item 8): an output folder the user
may not write, a read-only state database, a disk that fills under the state database during a
send, a review save into a folder that became read-only. Each is one `error:` line naming the
path and the fix, exit 2 (a JSON error for the review API), and nothing partial left behind.

The commands run as a user who obeys file modes: when the tests run as root, `setpriv` drops
the capabilities that let root write anywhere."""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys

import httpx
import pytest

from digest.translate import memory
from tests.conftest import ROOT, SEEDS
from tests.mailserver import Mailbox, smtp_server, write_config
from tests.review_sites import URL, publish_site

DROP = ["--inh-caps=-all", "--bounding-set=-dac_override,-dac_read_search,-fowner"]


def command(*args) -> list[str]:
    line = [sys.executable, "-m", "digest", *map(str, args)]
    if os.geteuid() != 0:
        return line
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv, which the tests need to obey file modes")
    return [setpriv, *DROP, *line]


def run(*args, preexec=None) -> tuple[int, str, str]:
    done = subprocess.run(
        command(*args), capture_output=True, text=True, cwd=ROOT, timeout=300, preexec_fn=preexec
    )
    return done.returncode, done.stdout, done.stderr


def listing(folder) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes() if path.is_file() else b""
        for path in sorted(folder.rglob("*"))
    }


def one_error(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    return lines[0]


@pytest.fixture
def site(tmp_path, isolated_state):
    out = tmp_path / "site"
    code, _, err = run("build", SEEDS, "--out", out, "--no-translate", "--max-age", "36500")
    assert code == 0, err
    return out


@pytest.mark.parametrize("search", ["--search", "--no-search"])
def test_an_output_folder_that_cannot_be_written_is_one_error_line(site, search):
    before = listing(site)
    site.chmod(0o555)
    try:
        code, _, err = run(
            "build", SEEDS, "--out", site, "--no-translate", "--max-age", "36500", "--date",
            "2031-01-02", search,
        )  # fmt: skip
    finally:
        site.chmod(0o755)
    assert code == 2, err
    message = one_error(err)
    assert "Permission denied" in message and f"make {site} writable" in message
    assert listing(site) == before


@pytest.mark.parametrize("step", ["build", "send"])
@pytest.mark.parametrize("read_only", ["file", "folder"])
def test_a_read_only_state_database_is_one_error_line(
    site, store, tiny_marian, tmp_path, step, read_only
):
    state = store.path
    with store.connect():
        pass
    before = listing(site)
    state.chmod(0o444)
    if read_only == "folder":
        state.parent.chmod(0o555)
    try:
        with smtp_server() as (server, box):
            if step == "build":
                code, _, err = run(
                    "build", SEEDS, "--out", site, "--model-dir", tiny_marian, "--max-age",
                    "36500", "--date", "2031-01-02",
                )  # fmt: skip
            else:
                config = write_config(tmp_path / "digest.toml", top(site), mail(server))
                code, _, err = run("send", "--config", config)
    finally:
        state.parent.chmod(0o755)
        state.chmod(0o600)
    assert code == 2, err
    message = one_error(err)
    assert str(state) in message and "writable by this user" in message
    assert box.received == []
    if step == "build":
        assert listing(site) == before, "no issue published that the state does not record"


def top(site) -> dict:
    return {"out": str(site), "site_url": "https://example.org/digest/"}


def mail(server) -> dict:
    return {
        "host": "127.0.0.1",
        "port": server.port,
        "security": "none",
        "from": "digest@example.org",
        "recipients": ["a@example.org", "b@example.org", "c@example.org"],
        "unsubscribe_mailto": "unsubscribe@example.org",
        "attempts": 1,
    }


def test_a_disk_that_fills_under_the_state_database_during_a_send(site, isolated_state, tmp_path):
    """RLIMIT_FSIZE makes the kernel refuse to grow a file past a size, as a full disk does:
    the send stops with one line before anyone is mailed twice, and the next run finishes."""

    def small_files():
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    box = Mailbox()
    with smtp_server(box) as (server, _):
        config = write_config(tmp_path / "digest.toml", top(site), mail(server))
        code, _, err = run("send", "--config", config, preexec=small_files)
        assert code == 2
        message = one_error(err)
        assert f"cannot write the state database {isolated_state}" in message
        assert "free space" in message
        code, out, err = run("send", "--config", config)
    assert code == 0, err
    counts = {a: sum(a in m.recipients for m in box.received) for a in mail(server)["recipients"]}
    assert counts == dict.fromkeys(counts, 1), counts


def test_a_review_save_into_a_folder_made_read_only_answers_one_json_error(tmp_path, store):
    out = tmp_path / "site"
    folder = publish_site(out)
    process = subprocess.Popen(
        command("review", "--no-browser", "--out", out),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        match = URL.fullmatch(process.stdout.readline().strip())
        assert match, process.stderr.read()
        api = httpx.Client(
            base_url=f"http://127.0.0.1:{match[1]}",
            headers={"Authorization": f"Bearer {match[2]}"},
            timeout=60,
        )
        issue = api.get("/api/issue").json()
        headline = issue["stories"][0]["headline"]
        before = listing(out)
        out.chmod(0o555)
        try:
            answer = api.put(
                f"/api/lines/{headline['id']}",
                json={"english": "A correction that cannot be saved", "version": issue["version"]},
            )
        finally:
            out.chmod(0o755)
        assert answer.status_code == 500
        assert answer.headers["content-type"] == "application/json"
        message = answer.json()["error"]
        assert "Permission denied" in message and f"make {out} writable" in message
        assert listing(out) == before
        assert memory.entries(store) == [], "the memory is put back when the publish fails"
        assert api.get("/api/issue").json()["version"] == issue["version"]
    finally:
        process.terminate()
        process.communicate(timeout=60)
    assert (folder / "issue.json").exists()
