"""Publishing the site under kills and concurrent builds, and the modes of what is written.

A killed build is simulated by a child process that exits on the spot (os._exit, as kill -9
leaves things) at its k-th rename or removal, for every k the publish step has.
"""

import dataclasses
import os
import re
import stat
import subprocess
import sys
import textwrap

import pytest

from digest.errors import UsageError
from digest.publish import archive, render, site
from digest.state.store import Store
from tests.conftest import ROOT
from tests.pages import flood_issue, summit_issue

CHILD = textwrap.dedent(
    """
    import dataclasses, datetime as dt, os, shutil, sys
    from pathlib import Path
    from digest.publish import archive, render, site
    from tests.pages import flood_issue, summit_issue

    out, kill_at, which = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    steps = [0]

    def step(function):
        def wrapped(*args, **kwargs):
            steps[0] += 1
            if steps[0] == kill_at:
                os._exit(9)
            return function(*args, **kwargs)
        return wrapped

    os.rename = step(os.rename)
    os.replace = step(os.replace)
    shutil.rmtree = step(shutil.rmtree)
    archive.exchange = step(archive.exchange)
    if which == "rebuild":
        issue = dataclasses.replace(summit_issue(), stories=summit_issue().stories[:1])
    else:
        issue = summit_issue(dt.date(2025, 9, 1))
    site.publish(out, issue, render.environment())
    print(steps[0])
    """
)


def publish_in_child(out, kill_at, which):
    return subprocess.run(
        [sys.executable, "-c", CHILD, str(out), str(kill_at), which],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )


def linked_dates(out):
    index = (out / "index.html").read_text(encoding="utf-8")
    feed = (out / "feed.xml").read_text(encoding="utf-8")
    pattern = re.compile(r"(\d{4}-\d{2}-\d{2})/")
    return set(pattern.findall(index)), set(pattern.findall(feed))


def issue_folders(out):
    return {p.name for p in out.iterdir() if archive.issue_folder_date(p)}


def two_issue_site(out):
    env = render.environment()
    site.publish(out, flood_issue(), env)
    site.publish(out, summit_issue(), env)


@pytest.mark.parametrize("which", ["rebuild", "new"])
def test_a_build_killed_at_any_step_leaves_a_whole_site_and_the_next_build_tidies_up(
    tmp_path, which
):
    out = tmp_path / "count"
    two_issue_site(out)
    done = publish_in_child(out, 0, which)
    assert done.returncode == 0, done.stderr
    steps = int(done.stdout)
    assert steps >= 3
    for kill_at in range(1, steps + 1):
        out = tmp_path / f"{which}-{kill_at}"
        two_issue_site(out)
        killed = publish_in_child(out, kill_at, which)
        assert killed.returncode == 9, killed.stderr
        in_index, in_feed = linked_dates(out)
        folders = issue_folders(out)
        assert in_index <= folders and in_feed <= folders, f"a link to no issue (step {kill_at})"
        for folder in folders:
            archive.read(out / folder)  # every folder is a whole issue, old or new
        assert {"2025-03-10", "2025-08-16"} <= folders, f"an issue lost (step {kill_at})"

        finished = publish_in_child(out, 0, which)
        assert finished.returncode == 0, finished.stderr
        assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []
        in_index, in_feed = linked_dates(out)
        assert in_index == in_feed == issue_folders(out)


def test_a_leftover_of_the_old_layout_is_put_back_when_its_folder_is_gone(tmp_path):
    two_issue_site(tmp_path)
    (tmp_path / "2025-08-16").rename(tmp_path / ".2025-08-16-old-abc123")
    (tmp_path / ".2025-08-16-new-def456").mkdir()
    (tmp_path / ".index.html-abcd1234").write_text("half")
    site.publish(tmp_path, flood_issue(), render.environment())
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "2025-03-10",
        "2025-08-16",
        "assets",
        "feed.xml",
        "index.html",
    ]
    assert archive.read(tmp_path / "2025-08-16").issue == summit_issue()


def test_other_hidden_files_in_the_site_are_left_alone(tmp_path):
    (tmp_path / ".well-known").mkdir()
    (tmp_path / ".htaccess").write_text("x")
    site.publish(tmp_path, flood_issue(), render.environment())
    assert (tmp_path / ".well-known").is_dir() and (tmp_path / ".htaccess").is_file()


def test_concurrent_builds_into_one_folder_keep_every_issue(tmp_path):
    script = textwrap.dedent(
        """
        import datetime as dt, sys
        from pathlib import Path
        from digest.publish import render, site
        from tests.pages import flood_issue
        day = dt.date(2025, 3, int(sys.argv[2]))
        for _ in range(3):
            site.publish(Path(sys.argv[1]), flood_issue(day), render.environment())
        """
    )
    children = [
        subprocess.Popen([sys.executable, "-c", script, str(tmp_path), str(day)], cwd=ROOT)
        for day in range(1, 9)
    ]
    assert [child.wait() for child in children] == [0] * 8
    in_index, in_feed = linked_dates(tmp_path)
    expected = {f"2025-03-{day:02d}" for day in range(1, 9)}
    assert in_index == in_feed == issue_folders(tmp_path) == expected


def test_a_build_waits_a_bounded_time_for_the_folder_then_says_why(tmp_path):
    with site.locked(tmp_path), pytest.raises(UsageError, match="another build has been"):
        site.publish(tmp_path, flood_issue(), render.environment(), wait=0.3)
    assert list(tmp_path.iterdir()) == []


def test_every_file_and_folder_of_the_site_follows_one_rule(tmp_path):
    previous = os.umask(0o027)
    try:
        two_issue_site(tmp_path)
        site.publish(
            tmp_path,
            dataclasses.replace(flood_issue(), title="rebuilt"),
            render.environment(),
        )
    finally:
        os.umask(previous)
    modes = {
        str(p.relative_to(tmp_path)): stat.S_IMODE(p.stat().st_mode) for p in tmp_path.rglob("*")
    }
    assert modes and all(
        mode == (0o750 if (tmp_path / name).is_dir() else 0o640) for name, mode in modes.items()
    ), modes


def test_the_state_database_is_private(tmp_path):
    previous = os.umask(0o022)
    try:
        store = Store(tmp_path / "state" / "digest.sqlite3")
        with store.connect() as conn:
            conn.execute("CREATE TABLE t (x)")
            conn.execute("INSERT INTO t VALUES (1)")
    finally:
        os.umask(previous)
    for path in (tmp_path / "state").iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
