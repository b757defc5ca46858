"""The built issue on disk: the one contract between building and mailing.

Every issue folder ``OUT/YYYY-MM-DD/`` holds the rendered files and ``issue.json``, the Issue
they were rendered from. The site rebuilds its index and feed from these files, and mail renders
each reader's copy from ``issue.json`` (its Subject, signature, date and stories), never by
reading HTML markup: a mailed copy has links and a footer of its own. An issue is written into a hidden folder beside its final
place and swapped in (digest/disk.py), so a reader never sees half an issue, and a rebuilt
date is never missing.
A build killed half-way leaves hidden folders behind; ``recover`` puts back or removes them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from digest import disk
from digest.errors import SiteError
from digest.news import (
    FULL,
    Approval,
    Bilingual,
    Bullet,
    Dropped,
    Edit,
    Issue,
    Signature,
    SourceRef,
    StoryDigest,
)

ISSUE_DATA = "issue.json"
ISSUE_DATA_FORMAT = 1

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuiltIssue:
    """An issue read back from its folder, as mail needs it."""

    issue: Issue
    folder: Path

    @property
    def date(self) -> dt.date:
        return self.issue.date


def issue_to_json(issue: Issue) -> str:
    payload = {"format": ISSUE_DATA_FORMAT, "issue": dataclasses.asdict(issue)}
    return json.dumps(payload, ensure_ascii=False, indent=1, default=dt.date.isoformat) + "\n"


def bilingual(data: dict[str, Any]) -> Bilingual:
    edit = data.get("edit")
    return Bilingual(
        ar=data["ar"],
        en=data["en"],
        review=data.get("review"),
        edit=Edit(**edit) if edit else None,
    )


def outlet_names(value: object) -> tuple[str, ...]:
    """A bullet's other outlets; absent from an issue.json written before bullets named them."""
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        raise TypeError("a bullet's 'also' must be a list of outlet names")
    return tuple(value)


def issue_from_json(text: str) -> Issue:
    """The Issue an issue.json holds; ValueError, KeyError or TypeError when it is not one."""
    payload = json.loads(text)
    if payload.get("format") != ISSUE_DATA_FORMAT:
        raise ValueError(f"format {payload.get('format')!r}, expected {ISSUE_DATA_FORMAT}")
    data = payload["issue"]
    return Issue(
        date=dt.date.fromisoformat(data["date"]),
        title=data["title"],
        stories=tuple(
            StoryDigest(
                headline=bilingual(story["headline"]),
                bullets=tuple(
                    Bullet(bilingual(b["line"]), b["source"], outlet_names(b.get("also", [])))
                    for b in story["bullets"]
                ),
                sources=tuple(
                    SourceRef(
                        ref["name"],
                        ref["url"],
                        dt.date.fromisoformat(ref["published"]) if ref["published"] else None,
                    )
                    for ref in story["sources"]
                ),
                id=story.get("id", ""),
                section=story.get("section"),
                place=story.get("place", FULL),
            )
            for story in data["stories"]
        ),
        signature=Signature(**data["signature"]),
        approval=Approval(**data["approval"]) if data.get("approval") else None,
        dropped=tuple(Dropped(**item) for item in data.get("dropped", ())),
    )


def issue_folder_date(folder: Path) -> dt.date | None:
    try:
        return dt.date.fromisoformat(folder.name) if folder.is_dir() else None
    except ValueError:
        return None


def read_archive(out: Path) -> list[Issue]:
    """Every issue under ``out``, newest first, read back from its issue.json.

    A folder whose issue.json is missing or unreadable is left out with a warning naming it:
    the rest of the site is still built, and the folder itself is left alone.
    """
    issues = []
    folders = sorted(out.iterdir()) if out.is_dir() else []
    for folder in folders:
        date = issue_folder_date(folder)
        if date is None:
            continue
        data = folder / ISSUE_DATA
        try:
            issue = issue_from_json(data.read_text(encoding="utf-8"))
        except FileNotFoundError:
            log.warning(
                f"{folder} has no {ISSUE_DATA} (an older digest built it); rebuild that date to list it"
            )
            continue
        except (OSError, ValueError, KeyError, TypeError) as error:
            log.warning(f"{data} is unreadable ({error}); rebuild that date to list it")
            continue
        if issue.date != date:
            log.warning(
                f"{data} holds the issue of {issue.date}, not {date}; left out of the index"
            )
            continue
        issues.append(issue)
    return sorted(issues, key=lambda i: i.date, reverse=True)


def find(out: Path, date: dt.date | None) -> Path:
    """The folder of the issue for ``date``, or the newest issue folder when None."""
    if date is not None:
        folder = out / date.isoformat()
        if not folder.is_dir():
            raise SiteError(f"no issue {folder}; build it first with `digest build --out {out}`")
        return folder
    dated = sorted(p for p in out.glob("*") if issue_folder_date(p) is not None)
    if not dated:
        raise SiteError(f"no issue under {out}; build one first with `digest build --out {out}`")
    return dated[-1]


def read(folder: Path) -> BuiltIssue:
    """The issue in ``folder`` as mail needs it; an error naming the fix when it is incomplete."""
    try:
        text = (folder / ISSUE_DATA).read_text(encoding="utf-8")
    except OSError as error:
        raise SiteError(
            f"cannot read {folder / ISSUE_DATA}: {error.strerror}; rebuild the issue with "
            "`digest build`"
        ) from None
    try:
        issue = issue_from_json(text)
    except (ValueError, KeyError, TypeError) as error:
        raise SiteError(
            f"{folder / ISSUE_DATA} is not an issue ({error}); rebuild the issue with "
            "`digest build`"
        ) from None
    return BuiltIssue(issue=issue, folder=folder)


STAGING = re.compile(r"\.(\d{4}-\d{2}-\d{2})-new-[\w-]+")
RETIRED = re.compile(r"\.(\d{4}-\d{2}-\d{2})-old-[\w-]+")


def write_issue(out: Path, date: dt.date, files: Mapping[str, str]) -> Path:
    """Write the issue beside its place and swap it in; call with the output folder locked.

    An OSError goes up as it is (site.publish turns it into the one line naming the fix), with
    the half-written staging folder removed."""
    modes = disk.usual_modes()
    final = out / date.isoformat()
    staging = disk.staging_folder(final, modes.folder)
    try:
        for name, text in files.items():
            disk.write_new(staging / name, text, modes.file)
        disk.swap_folder(staging, final)
    except OSError:
        if staging.exists() and final.exists():
            shutil.rmtree(staging, ignore_errors=True)
        raise
    return final


def recover(out: Path) -> list[str]:
    """Undo what a killed build left: an issue folder moved aside and never replaced is put
    back, and unfinished or retired copies are removed. Returns what was done, for the log."""
    done = []
    for path in sorted(out.iterdir()) if out.is_dir() else []:
        staged, retired = STAGING.fullmatch(path.name), RETIRED.fullmatch(path.name)
        if not (staged or retired) or not path.is_dir():
            continue
        final = out / (staged or retired).group(1)  # type: ignore[union-attr]
        if retired and not final.exists() and (path / ISSUE_DATA).is_file():
            path.rename(final)
            done.append(f"put back {final}, moved aside by a build that was stopped")
        else:
            shutil.rmtree(path)
            done.append(f"removed {path.name}, left by a build that was stopped")
    return done
