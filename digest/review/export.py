"""The translation memory written out for other tools: TMX, the exchange format of CAT tools
(OmegaT, Trados, memoQ), or TSV for a spreadsheet or a script.

TMX is written with lxml, so every character of an edit is escaped as XML needs; the characters
XML 1.0 cannot carry at all (controls, noncharacters) are among those digest/sanitise.py removes
from every output, so both formats drop them. TSV has no quoting rule every reader agrees on, so its
text is escaped the way PostgreSQL's and MySQL's tab-separated formats do it: a backslash before
``\\``, and ``\\t``, ``\\n``, ``\\r`` for a tab, a line feed and a carriage return.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from digest import disk
from digest.errors import ReviewError, UsageError
from digest.sanitise import clean
from digest.translate.memory import Remembered
from digest.version import __version__

FORMATS = ("tmx", "tsv")
TSV_COLUMNS = ("model", "arabic", "english", "editor", "edited")
XML_NS = "http://www.w3.org/XML/1998/namespace"
TSV_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def tmx_date(at: str) -> str:
    """TMX's form of a time: YYYYMMDDThhmmssZ, in UTC."""
    return dt.datetime.fromisoformat(at).astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def cleaned(entry: Remembered) -> Remembered:
    """The entry without the characters no reader or tool should get (digest/sanitise.py): an
    edit's NUL or U+FFFF would otherwise stop every TMX export and sit raw in the TSV. Tabs and
    line breaks inside a text stay (TMX carries them, TSV escapes them), every line break as
    ``\n``."""

    def text(value: str) -> str:
        return clean(value.replace("\r\n", "\n").replace("\r", "\n"))

    return replace(
        entry, model=text(entry.model), ar=text(entry.ar), en=text(entry.en), by=text(entry.by)
    )


def tmx(entries: Sequence[Remembered]) -> str:
    """A TMX 1.4b document: one <tu> per entry, Arabic the source language."""
    from lxml import etree

    root = etree.Element("tmx", version="1.4")
    etree.SubElement(
        root,
        "header",
        creationtool="digest",
        creationtoolversion=__version__,
        segtype="sentence",
        attrib={
            "o-tmf": "digest",
            "adminlang": "en",
            "srclang": "ar",
            "datatype": "plaintext",
        },
    )
    body = etree.SubElement(root, "body")
    for entry in map(cleaned, entries):
        try:
            unit = etree.SubElement(
                body, "tu", creationid=entry.by, creationdate=tmx_date(entry.at)
            )
            etree.SubElement(unit, "prop", type="x-model").text = entry.model
            for lang, text in (("ar", entry.ar), ("en", entry.en)):
                variant = etree.SubElement(unit, "tuv", {etree.QName(XML_NS, "lang"): lang})
                etree.SubElement(variant, "seg").text = text
        except ValueError as error:
            raise ReviewError(
                f"the entry for {entry.ar!r} ({entry.model}) holds text XML cannot carry "
                f"({error}); export it as --format tsv"
            ) from None
    text = etree.tostring(root, encoding="unicode", pretty_print=True)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + text


def tsv(entries: Sequence[Remembered]) -> str:
    """A header row, then one row per entry, text escaped (see the module's docstring)."""
    rows = [TSV_COLUMNS] + [(e.model, e.ar, e.en, e.by, e.at) for e in map(cleaned, entries)]
    return "".join("\t".join(cell.translate(TSV_ESCAPES) for cell in row) + "\n" for row in rows)


def export(entries: Sequence[Remembered], format: str) -> str:
    if format not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}, got {format!r}")
    return tmx(entries) if format == "tmx" else tsv(entries)


def write(path: Path, text: str) -> None:
    """Replace ``path`` whole (written beside it, then renamed): never half an export."""
    try:
        disk.write_file(path, text)
    except OSError as error:
        raise ReviewError(f"cannot write {path}: {error.strerror or error}") from None
