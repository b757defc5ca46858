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

from digest.errors import SiteError
from digest.publish import archive, render, site
from digest.state.store import Store
from tests.conftest import ROOT
from tests.pages import flood_issue, summit_issue

CHILD = textwrap.dedent(
    """
    import dataclasses, datetime as dt, os, shutil, sys
    from pathlib import Path
    from digest import disk
    from digest.publish import render, site
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
    disk.exchange = step(disk.exchange)
    if which == "rebuild":
        issue = dataclasses.replace(summit_issue(), stories=summit_issue().stories[:1])
    else:
        issue = summit_issue(dt.date(2025, 9, 1))
    site.publish(out, issue, render.environment(), search=which == "search")
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


def two_issue_site(out, search=False):
    env = render.environment()
    site.publish(out, flood_issue(), env, search=search)
    site.publish(out, summit_issue(), env, search=search)


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


def test_a_build_killed_while_swapping_its_search_index_leaves_one_whole_index(tmp_path):
    """The index is swapped in as an issue folder is: at every step a kill can stop the
    publish at, the site has a whole index (the old one or the new), and the next build leaves
    no staging folder behind."""
    out = tmp_path / "count"
    two_issue_site(out, search=True)
    done = publish_in_child(out, 0, "search")
    assert done.returncode == 0, done.stderr
    steps = int(done.stdout)
    assert steps >= 4
    for kill_at in range(1, steps + 1):
        out = tmp_path / f"search-{kill_at}"
        two_issue_site(out, search=True)
        killed = publish_in_child(out, kill_at, "search")
        assert killed.returncode == 9, killed.stderr
        assert (out / "pagefind" / "ar" / "pagefind.js").is_file(), f"no index (step {kill_at})"
        finished = publish_in_child(out, 0, "search")
        assert finished.returncode == 0, finished.stderr
        assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []


def test_staging_folders_of_stopped_builds_and_saves_are_removed_by_the_next(tmp_path):
    """A build or review save killed while Pagefind wrote left ``.pagefind-…`` inside the
    published site (11 after 35 kills in issue 23); the next build removes every one, those of
    earlier releases too, and leaves other hidden folders alone."""
    two_issue_site(tmp_path, search=True)
    leftovers = [".pagefind-3x9_kq1a", ".pagefind-new-ab12cd34", ".pagefind-old-ef56gh78"]
    for name in leftovers:
        (tmp_path / name / "ar").mkdir(parents=True)
        (tmp_path / name / "ar" / "pagefind.js").write_text("stale")
    (tmp_path / ".pagefinder").mkdir()
    site.publish(tmp_path, flood_issue(), render.environment(), search=True)
    hidden = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("."))
    assert hidden == [".pagefinder"]
    assert "stale" not in (tmp_path / "pagefind" / "ar" / "pagefind.js").read_text()


def test_a_leftover_of_the_old_layout_is_put_back_when_its_folder_is_gone(tmp_path):
    two_issue_site(tmp_path)
    (tmp_path / "2025-08-16").rename(tmp_path / ".2025-08-16-old-abc123")
    (tmp_path / ".2025-08-16-new-def456").mkdir()
    (tmp_path / ".index.html-abcd1234").write_text("half")
    (tmp_path / "2025-03-10" / ".index.html-efgh5678").write_text("half")
    site.publish(tmp_path, flood_issue(), render.environment())
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "2025-03-10",
        "2025-08-16",
        "assets",
        "feed.xml",
        "index.html",
    ]
    assert archive.read(tmp_path / "2025-08-16").issue == summit_issue()
    assert not (tmp_path / "2025-03-10" / ".index.html-efgh5678").exists()


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
    with site.locked(tmp_path), pytest.raises(SiteError, match="another build has been"):
        site.publish(tmp_path, flood_issue(), render.environment(), wait=0.3)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("mask", "folder", "file"), [(0o027, 0o750, 0o640), (0o002, 0o775, 0o664)])
def test_every_file_and_folder_of_the_site_follows_one_rule(
    tmp_path, monkeypatch, mask, folder, file
):
    """Issue folders, pages, assets and the search index alike take the umask's modes, and the
    umask is only read: changing it while Pagefind's bundle is written could leave a file
    world-writable."""
    previous = os.umask(mask)
    try:
        changed = []
        monkeypatch.setattr(os, "umask", lambda value: changed.append(value) or mask)
        two_issue_site(tmp_path, search=True)
        site.publish(
            tmp_path,
            dataclasses.replace(flood_issue(), title="rebuilt"),
            render.environment(),
            search=True,
        )
    finally:
        monkeypatch.undo()
        os.umask(previous)
    assert changed == []
    modes = {
        str(p.relative_to(tmp_path)): stat.S_IMODE(p.stat().st_mode) for p in tmp_path.rglob("*")
    }
    assert any(name.startswith("pagefind/ar/") for name in modes), sorted(modes)
    assert modes and all(
        mode == (folder if (tmp_path / name).is_dir() else file) for name, mode in modes.items()
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
