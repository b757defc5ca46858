"""`digest cache memory` and `digest cache export`: what the editors corrected, shown and written
for CAT tools (TMX) or a spreadsheet (TSV) so that it parses back exactly, hostile text and all."""

import re
import xml.etree.ElementTree as ElementTree

import pytest
from lxml import etree
from typer.testing import CliRunner

from digest.cli import app
from digest.translate import memory
from tests.conftest import SEEDS

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SEED = (SEEDS / "000_b8ca79493ea0142d.txt").read_text(encoding="utf-8").splitlines()
# Markup, entities, tabs, line breaks and right-to-left marks, in both languages and the name.
HOSTILE = [
    (
        "opus-mt-ar-en",
        "\u200f" + SEED[1] + "\t<b>&amp;</b>",
        'The Kremlin wrote on "Telegram": <talks ended> & \u200fأنكوريج\u200e\tin Anchorage',
        "Rana <r@example.org>",
        "2026-11-30T01:00:00+00:00",
    ),
    (
        "opus-mt-ar-en",
        SEED[0],
        "line one\nline two\nback\\slash",
        "Omar\tS.",
        "2026-11-30T02:30:05+00:00",
    ),
    (
        "nllb-200-distilled-600M",
        SEED[0],
        "NLLB's own fix ]]> <!-- -->",
        "Rana",
        "2026-11-29T23:59:59+00:00",
    ),
]


@pytest.fixture
def kept(store):
    for model, ar, en, by, at in HOSTILE:
        memory.remember(store, model, ar, en, by, at)
    return {
        (model, ar, en, by, at.replace("-", "").replace(":", "")[:15] + "Z")
        for model, ar, en, by, at in HOSTILE
    }


def units(root, find_all):
    pairs = set()
    for unit in find_all(root, "tu"):
        (prop,) = [p for p in unit if p.tag == "prop"]
        assert prop.get("type") == "x-model"
        segs = {tuv.get(XML_LANG): tuv.find("seg").text for tuv in unit if tuv.tag == "tuv"}
        pairs.add(
            (prop.text, segs["ar"], segs["en"], unit.get("creationid"), unit.get("creationdate"))
        )
    return pairs


def test_tmx_parses_back_with_every_pair_intact(kept, tmp_path):
    out = tmp_path / "memory.tmx"
    result = CliRunner().invoke(app, ["cache", "export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output == f"wrote {out} (3 correction(s), tmx)\n"

    strict = etree.parse(str(out)).getroot()
    assert (strict.tag, strict.get("version")) == ("tmx", "1.4")
    header = strict.find("header")
    assert (header.get("srclang"), header.get("creationtool")) == ("ar", "digest")
    assert units(strict, lambda root, tag: root.iter(tag)) == kept
    plain = ElementTree.parse(out).getroot()
    assert units(plain, lambda root, tag: root.iter(tag)) == kept


def test_tsv_round_trips_tabs_and_line_breaks(kept):
    result = CliRunner().invoke(app, ["cache", "export", "--format", "tsv"])
    assert result.exit_code == 0, result.output
    rows = result.output.split("\n")
    assert rows.pop() == ""
    assert rows[0] == "model\tarabic\tenglish\teditor\tedited"
    unescape = {"\\t": "\t", "\\n": "\n", "\\r": "\r", "\\\\": "\\"}

    parsed = {
        tuple(re.sub(r"\\[tnr\\]", lambda m: unescape[m.group()], cell) for cell in row.split("\t"))
        for row in rows[1:]
    }
    assert all(len(row) == 5 for row in parsed)
    assert parsed == set(HOSTILE)


def test_the_listing_and_stats_name_each_model_and_the_newest_edit(kept):
    runner = CliRunner()
    listing = runner.invoke(app, ["cache", "memory", "--limit", "1"]).output
    assert "opus-mt-ar-en: 2 correction(s), newest 2026-11-30T02:30:05+00:00" in listing
    assert "nllb-200-distilled-600M: 1 correction(s), newest 2026-11-29T23:59:59+00:00" in listing
    assert "2026-11-30T02:30:05+00:00  Omar\tS.  opus-mt-ar-en" in listing
    assert "Rana <r@example.org>" not in listing and "2 older" in listing
    one_model = runner.invoke(app, ["cache", "memory", "--model", "nllb-200-distilled-600M"]).output
    assert "NLLB's own fix" in one_model and "line one" not in one_model
    stats = runner.invoke(app, ["cache", "stats"]).output
    assert "translation memory: opus-mt-ar-en  2 correction(s)" in stats


def test_an_empty_memory_exports_an_empty_document_and_says_so(store):
    runner = CliRunner()
    tmx = etree.fromstring(runner.invoke(app, ["cache", "export"]).output.encode())
    assert tmx.find("body") is not None and len(tmx.find("body")) == 0
    assert "no corrections yet" in runner.invoke(app, ["cache", "memory"]).output


def test_text_xml_cannot_carry_is_dropped_from_both_formats(store, tmp_path):
    """A NUL or a bell in an edit used to stop every TMX export (exit 2) and sit raw in TSV."""
    memory.remember(
        store, "opus-mt-ar-en", SEED[0], "bell \x07 NUL \x00 here", "Rana", "2026-11-30T01:00Z"
    )
    out = tmp_path / "memory.tmx"
    result = CliRunner().invoke(app, ["cache", "export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    (seg,) = [s for s in etree.parse(str(out)).iter("seg") if s.text.startswith("bell")]
    assert seg.text == "bell  NUL  here"
    tsv = CliRunner().invoke(app, ["cache", "export", "--format", "tsv"]).output
    assert "bell  NUL  here" in tsv and "\x07" not in tsv and "\x00" not in tsv


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "xliff"], "--format must be one of tmx, tsv, got 'xliff'"),
        (
            ["--out", "/nonexistent-folder/memory.tmx"],
            "cannot write /nonexistent-folder/memory.tmx",
        ),
    ],
)
def test_bad_options_are_one_error_line(kept, args, message):
    result = CliRunner().invoke(app, ["cache", "export", *args])
    assert result.exit_code == 2
    assert result.output.startswith(f"error: {message}")
    assert len(result.output.strip().splitlines()) == 1


def test_an_export_replaces_the_old_file_whole(kept, tmp_path):
    out = tmp_path / "memory.tsv"
    out.write_text("an older export\n")
    CliRunner().invoke(app, ["cache", "export", "--format", "tsv", "--out", str(out)])
    assert out.read_text(encoding="utf-8").startswith("model\tarabic")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["memory.tsv", "state"]
