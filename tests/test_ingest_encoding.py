"""Every input kind in every encoding Arabic text is found in; no mojibake reaches an article."""

import json

import pytest

from digest.ingest import read_sources
from digest.ingest.decode import decode, mojibake

# Only characters ISO-8859-6 has: Arabic letters, the Arabic comma and question mark, digits.
PARAGRAPHS = (
    "أعلنت وزارة الصحة، مساء الاثنين، تسجيل 12 إصابة جديدة بالحمى في ثلاث محافظات جنوبية.",
    "وقال المتحدث باسم الوزارة إن الفرق الطبية تعمل على احتواء المرض، فهل ينجح ذلك؟",
    "ودعت الوزارة المواطنين إلى مراجعة أقرب مركز صحي عند ظهور الأعراض.",
)
TEXT = "\n".join(PARAGRAPHS)
ENCODINGS = {
    "utf-8": "utf-8",
    "utf-8-sig": "utf-8-sig (byte-order mark)",
    "utf-16": "utf-16 (byte-order mark)",
    "utf-16-le": "utf-16-le (detected from the bytes)",
    "utf-16-be": "utf-16-be (detected from the bytes)",
    "cp1256": "cp1256 (detected from the bytes)",
    "iso8859-6": "iso8859-6 (detected from the bytes)",
}


def html(charset: str | None) -> str:
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return (
        f"<html><head>{meta if charset else ''}<title>الحمى</title></head>"
        f"<body><article>{body}</article></body></html>"
    )


def rss(declared: str) -> str:
    return (
        f'<?xml version="1.0" encoding="{declared}"?><rss version="2.0"><channel>'
        f"<title>الصحة</title><item><title>الحمى</title><link>https://x.org/a</link>"
        f"<description>{TEXT}</description></item></channel></rss>"
    )


def jsonl() -> str:
    return json.dumps({"title": "الحمى", "paragraphs": PARAGRAPHS}, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize(
    ("suffix", "document"),
    [
        (".txt", lambda e: TEXT),
        (".html", lambda e: html(None)),
        (".xml", lambda e: rss(e.removesuffix("-sig").removesuffix("-le").removesuffix("-be"))),
        (".jsonl", lambda e: jsonl()),
    ],
)
def test_every_kind_in_every_encoding(tmp_path, encoding, suffix, document):
    path = tmp_path / f"article{suffix}"
    path.write_bytes(document(encoding).encode(encoding))
    ingested = read_sources([path])
    assert ingested.failures == ()
    (article,) = ingested.articles
    assert article.paragraphs == PARAGRAPHS
    if suffix != ".xml":
        assert article.encoding == ENCODINGS[encoding]


@pytest.mark.parametrize(
    ("declared", "encoding", "found"),
    [
        ("windows-1256", "cp1256", "cp1256 (declaration windows-1256)"),
        ("ISO-8859-6", "iso8859-6", "iso8859-6 (declaration ISO-8859-6)"),
        # Declared Latin-1 but Arabic in Windows-1256: a mislabelled page, found from the bytes.
        ("iso-8859-1", "cp1256", "cp1256 (detected from the bytes)"),
        # Declared Windows-1256 but saved as UTF-8: valid UTF-8 wins.
        ("windows-1256", "utf-8", "utf-8"),
    ],
)
def test_html_declarations_are_used_when_they_can_be_true(tmp_path, declared, encoding, found):
    path = tmp_path / "page.html"
    path.write_bytes(html(declared).encode(encoding))
    (article,) = read_sources([path]).articles
    assert article.paragraphs == PARAGRAPHS
    assert article.encoding == found


@pytest.mark.parametrize("codec", ["latin-1", "cp1256"])
def test_utf8_once_read_as_a_single_byte_code_page_is_repaired(tmp_path, codec):
    garbled = TEXT.encode("utf-8").decode(codec)
    assert mojibake(garbled) > 10
    path = tmp_path / "a.txt"
    path.write_text(garbled, encoding="utf-8")
    (article,) = read_sources([path]).articles
    assert article.paragraphs == PARAGRAPHS
    assert "repaired UTF-8" in article.warnings[0]


def test_garbled_text_that_cannot_be_repaired_is_refused(tmp_path):
    garbled = TEXT.encode("utf-8").decode("latin-1") + " ✓ ✓"
    path = tmp_path / "a.txt"
    path.write_text(garbled, encoding="utf-8")
    (failure,) = read_sources([path]).failures
    assert "garbled" in failure.reason


def test_html_entities_that_spell_mojibake_are_refused(tmp_path):
    garbled = TEXT.encode("utf-8").decode("latin-1")
    entities = "".join(f"&#{ord(ch)};" if ord(ch) > 127 else ch for ch in garbled)
    path = tmp_path / "a.html"
    path.write_text(html(None).replace(TEXT.split("\n")[0], entities.split("\n")[0]))
    ingested = read_sources([path])
    assert ingested.articles == ()
    assert "garbled" in ingested.failures[0].reason


def test_a_file_cut_inside_a_character_loses_only_that_character(tmp_path):
    data = TEXT.encode("utf-8")
    path = tmp_path / "a.txt"
    path.write_bytes(data[:-1] + "ى".encode()[:1])
    (article,) = read_sources([path]).articles
    assert article.paragraphs[:2] == PARAGRAPHS[:2]
    assert article.paragraphs[2] == PARAGRAPHS[2][:-1]
    assert article.warnings[0] == "the input ends inside a character; 1 byte(s) dropped"


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8,
        b"\xff\xfe\x00\x01binary\x00",
        bytes(range(1, 32)) * 50,
    ],
)
def test_binary_is_refused(data):
    with pytest.raises(Exception, match="binary"):
        decode(data)
