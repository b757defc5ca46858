"""The translation engines and devices a build may ask for, and the cores it may use.

Settings offers these choices (and names the cores in its help) before any subsystem is
imported; translate honours them. Both read them here, so settings imports no subsystem's
internals and the choices are written once.
"""

from __future__ import annotations

import os

BACKENDS = ("auto", "transformers", "ctranslate2")
DEVICES = ("auto", "cpu", "cuda")


def available_cores() -> int:
    """The cores this process may run on: a container or ``taskset`` limit, not the machine's
    count, so a build on a shared or pinned machine does not oversubscribe it."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except (AttributeError, OSError):
        return os.cpu_count() or 1
