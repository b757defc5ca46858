"""Result tables in BENCHMARKS.md: one section per measurement, replaced when it is run again,
so the file always shows the latest figures of every benchmark side by side."""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Sequence
from pathlib import Path

from digest import disk


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def section_options(doc: str, benchmarks: Path) -> argparse.ArgumentParser:
    """The options of a script that writes one section of BENCHMARKS.md: which file, and
    whether to print the section only."""
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--benchmarks", type=Path, default=benchmarks)
    parser.add_argument("--no-write", action="store_true", help="print only")
    return parser


def publish(body: str, options: argparse.Namespace, key: str) -> None:
    """Print a script's section and, unless --no-write, put it in BENCHMARKS.md."""
    print(body)
    if not options.no_write:
        update_section(options.benchmarks, key, body)


def update_section(path: Path, key: str, body: str) -> None:
    """Write `body` as the section named `key`, in place of any earlier one."""
    start, end = f"<!-- {key} -->", f"<!-- /{key} -->"
    block = f"{start}\n{body.strip()}\n{end}\n"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n\n"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end) + r"\n?", re.S)
    text = (
        pattern.sub(lambda _: block, text)
        if pattern.search(text)
        else text.rstrip("\n") + "\n\n" + block
    )
    disk.write_file(path, text)


def machine() -> str:
    """The CPU and the cores this process may use, as a benchmark's figures are read against."""
    cores = len(os.sched_getaffinity(0))
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return f"{model}, {cores} cores"
