"""Writing an issue's files under the output folder, atomically.

An issue is written into a hidden temporary folder beside its final place and renamed into
place, so a reader (or a web server) never sees a half-written file or a mix of two builds.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

from digest.errors import UsageError


def write_issue(out: Path, date: dt.date, files: Mapping[str, str]) -> Path:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(f"cannot create the output folder {out}: {error.strerror}") from None
    final = out / date.isoformat()
    staging = Path(tempfile.mkdtemp(prefix=f".{final.name}-", dir=out))
    try:
        for name, text in files.items():
            (staging / name).write_text(text, encoding="utf-8", newline="\n")
        os.chmod(staging, 0o755)
        if final.exists():
            retired = Path(tempfile.mkdtemp(prefix=f".{final.name}-old-", dir=out))
            final.rename(retired / final.name)
            staging.rename(final)
            shutil.rmtree(retired)
        else:
            staging.rename(final)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise UsageError(f"cannot write the issue to {final}: {error.strerror}") from None
    return final
