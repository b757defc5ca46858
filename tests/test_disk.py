"""One way to write a file and a folder (digest/disk.py): whole or not at all, modes given
explicitly, the umask only read, one kind of lock."""

import os
import stat
import subprocess
import sys
import textwrap

import pytest

from digest import disk
from tests.conftest import ROOT


def mode(path):
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_the_umask_is_read_without_being_changed(mask):
    previous = os.umask(mask)
    try:
        assert disk.umask() == mask
        assert disk.usual_modes() == disk.Modes(file=0o666 & ~mask, folder=0o777 & ~mask)
        assert os.umask(mask) == mask
    finally:
        os.umask(previous)


def test_a_file_is_replaced_whole_with_the_mode_asked_for(tmp_path):
    path = tmp_path / "BENCHMARKS.md"
    path.write_text("old")
    path.chmod(0o600)
    disk.write_file(path, "نص\n", 0o640)
    assert path.read_text(encoding="utf-8") == "نص\n" and mode(path) == 0o640
    disk.write_file(path, b"\x00bytes")
    assert path.read_bytes() == b"\x00bytes" and mode(path) == disk.usual_modes().file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["BENCHMARKS.md"]


def test_a_write_that_fails_leaves_what_was_there_and_no_temporary(tmp_path):
    """The rename is refused (a folder stands at the path): the old content stays, and the
    hidden file written beside it is removed."""
    path = tmp_path / "export.tsv"
    path.mkdir()
    (path / "kept").write_text("old")
    with pytest.raises(OSError):
        disk.write_file(path, "new")
    assert (path / "kept").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["export.tsv"]


def test_a_folder_is_swapped_in_and_the_old_one_removed(tmp_path):
    final = tmp_path / "pagefind"
    final.mkdir()
    (final / "old.js").write_text("old")
    staging = disk.staging_folder(final, 0o750)
    assert staging.name.startswith(".pagefind-new-") and mode(staging) == 0o750
    disk.write_new(staging / "new.js", "new", 0o640)
    disk.swap_folder(staging, final)
    assert [p.name for p in final.iterdir()] == ["new.js"] and mode(final / "new.js") == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["pagefind"]
    fresh = disk.staging_folder(tmp_path / "2025-08-16", 0o755)
    disk.swap_folder(fresh, tmp_path / "2025-08-16")
    assert (tmp_path / "2025-08-16").is_dir() and not fresh.exists()


def test_folders_are_made_with_the_mode_asked_for_whatever_the_umask(tmp_path):
    previous = os.umask(0o077)
    try:
        disk.make_folder(tmp_path / "a" / "b", 0o755)
    finally:
        os.umask(previous)
    assert mode(tmp_path / "a") == mode(tmp_path / "a" / "b") == 0o755


HOLDER = textwrap.dedent(
    """
    import os, sys, time
    from digest import disk
    handle = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
    assert disk.take_lock(handle)
    print("held", flush=True)
    sys.stdin.readline()
    os._exit(9)
    """
)


def test_a_lock_is_waited_for_and_freed_when_its_holder_dies(tmp_path):
    path = tmp_path / "state.sqlite3.send.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert holder.stdout.readline() == "held\n"
        handle = os.open(path, os.O_RDWR)
        try:
            assert not disk.take_lock(handle, wait=0.3)
            holder.stdin.write("\n")
            holder.stdin.flush()
            assert holder.wait(30) == 9
            assert disk.take_lock(handle, wait=0)
        finally:
            os.close(handle)
    finally:
        holder.kill()
        holder.wait()
