"""How digest writes files and folders others read: whole or not at all, with modes it chooses,
under one kind of lock.

A reader (a web server, a mail client opening an export, a second build) must never see half a
file or half a folder, so a file is written beside its place and renamed over it, and a folder is
filled aside and swapped in (in one step where Linux allows it, RENAME_EXCHANGE). Modes are
given explicitly (``fchmod`` and ``chmod`` on what digest just made) rather than by changing the
process umask, which is shared by every thread: flipping it while the search indexer writes can
leave a file world-writable. The umask is only read, from /proc where the kernel shows it.
Every lock is ``flock`` on an open file or folder: the kernel drops it when the holder exits,
kill -9 included, so a crashed process never blocks the next one.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import functools
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

LOCK_POLL_S = 0.1
AT_FDCWD = -100
RENAME_EXCHANGE = 2


@dataclass(frozen=True)
class Modes:
    file: int
    folder: int


PRIVATE = Modes(file=0o600, folder=0o700)


def umask() -> int:
    """The process umask, read without changing it (Linux 4.7 and later show it in /proc)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return umask_at_start()


@functools.cache
def umask_at_start() -> int:
    """Where /proc does not tell: read once by setting and restoring it, the first time a file
    is written, before any writing thread has started."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def usual_modes() -> Modes:
    """What the umask gives a new file and folder (0644 and 0755 with the usual 022): the rule
    for everything of the site, however digest wrote it."""
    mask = umask()
    return Modes(file=0o666 & ~mask, folder=0o777 & ~mask)


def write_file(path: Path, data: str | bytes, mode: int | None = None) -> None:
    """Replace ``path`` whole with ``data`` (text as UTF-8 with \\n line ends), mode ``mode`` or
    the umask's: it is written to ``.NAME-XXXXXXXX`` beside it and renamed over it, so a reader
    sees the old file or the new one. A writer killed half-way leaves the hidden file (the
    site's next build removes those of its pages, feed and assets)."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            os.fchmod(stream.fileno(), usual_modes().file if mode is None else mode)
            stream.write(payload)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_new(path: Path, data: str | bytes, mode: int) -> None:
    """A file that did not exist, inside a folder no reader sees yet (a staging folder)."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(handle, "wb") as stream:
        os.fchmod(stream.fileno(), mode)
        stream.write(payload)


def make_folder(path: Path, mode: int) -> None:
    """``path`` and any missing parents below an existing folder, each with ``mode``."""
    missing = []
    for folder in (path, *path.parents):
        if folder.is_dir():
            break
        missing.append(folder)
    for folder in reversed(missing):
        folder.mkdir(exist_ok=True)
        folder.chmod(mode)


def staging_folder(final: Path, mode: int) -> Path:
    """An empty hidden folder beside ``final`` (``.NAME-new-XXXXXXXX``) to fill and swap in."""
    staging = Path(tempfile.mkdtemp(prefix=f".{final.name}-new-", dir=final.parent))
    staging.chmod(mode)
    return staging


def exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step; False where the system cannot (not Linux, old kernel, a
    file system without it), and the caller renames twice instead."""
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:
        return False
    if renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def swap_folder(staging: Path, final: Path) -> None:
    """Put the filled ``staging`` folder at ``final`` and remove what was there: in one step
    where the system can exchange two paths, else by moving the old one aside to
    ``.NAME-old-XXXXXXXX`` first (a kill between the two renames leaves it there, for the
    owner's recovery to put back)."""
    if not final.exists():
        staging.rename(final)
    elif exchange(staging, final):
        shutil.rmtree(staging)
    else:
        retired = Path(tempfile.mkdtemp(prefix=f".{final.name}-old-", dir=final.parent))
        retired.rmdir()
        final.rename(retired)
        staging.rename(final)
        shutil.rmtree(retired)


def take_lock(handle: int, wait: float = 0.0) -> bool:
    """An exclusive lock on the open file or folder ``handle``, waiting up to ``wait`` seconds
    for another process to release it; False when it still holds it. Closing the handle
    releases the lock."""
    waited_until = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= waited_until:
                return False
            time.sleep(LOCK_POLL_S)
