"""Bytes to text for every input kind: the encoding comes from the BOM, a declaration or the bytes.

Arabic sites still serve Windows-1256 and ISO-8859-6, often undeclared or declared wrongly, and a
wrong guess turns every letter into mojibake that would then be summarised and translated as if
it were news. So a decoding is accepted only when it is strict (no byte replaced) and the result
looks like text; otherwise the input is refused with a reason.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass, replace

import numpy as np
from charset_normalizer import from_bytes

from digest.errors import ArticleError

BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
DECLARATION = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*([\w.:-]+)|<\?xml[^>]*?encoding\s*=\s*["']([\w.:-]+)""",
    re.IGNORECASE,
)
SNIFF_BYTES = 4096
# Declarations are trusted only for encodings that can hold Arabic: a page that says ISO-8859-1
# but is Arabic was mislabelled, and decoding it as declared would produce Latin mojibake.
ARABIC_CODECS = frozenset(
    codecs.lookup(name).name
    for name in ("utf-8", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp1256", "iso8859-6")
)
# What the bytes themselves are tested against when nothing else says. UTF-16 without a BOM is
# considered only when NUL bytes show it (the high byte of every space and digit); such bytes are
# also valid ASCII, so UTF-8 is not tried on them.
SINGLE_BYTE = ["cp1256", "iso8859_6"]
UTF16 = ["utf_16_le", "utf_16_be"]
CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")
# UTF-16 text has a NUL in every space, digit and Latin letter; a few NULs in otherwise valid
# text are stray bytes (a bad export, a padded field), dropped rather than the article refused.
MAX_STRAY_NUL_SHARE = 0.01
MAX_CONTROL_SHARE = 0.001


def _mojibake_pairs() -> frozenset[str]:
    """Two-character pairs that UTF-8 Arabic (lead bytes D8-DB) turns into when read as a
    single-byte code page: "ال" becomes "Ø§Ù„" in Windows-1252 and "ط§ظ„" in Windows-1256."""
    pairs = set()
    for codec in ("cp1252", "latin-1", "cp1256"):
        for lead in range(0xD8, 0xDC):
            for tail in range(0x80, 0xC0):
                pair = bytes([lead, tail]).decode(codec, errors="ignore")
                if len(pair) == 2 and not can_follow_a_letter(pair[1]):
                    pairs.add(pair)
    return frozenset(pairs)


def can_follow_a_letter(ch: str) -> bool:
    """Characters real Arabic puts after a word ("فقط،", "«النفط»", "فقط…"): never evidence."""
    return (
        "\u0600" <= ch <= "\u06ff"
        or ch == "…"
        or unicodedata.category(ch) in {"Zs", "Cf", "Pi", "Pf", "Pd", "Ps", "Pe"}
    )


MOJIBAKE_PAIRS = _mojibake_pairs()
MIN_MOJIBAKE = 3


@dataclass(frozen=True)
class Decoded:
    """Text and how its encoding was found, for `digest inspect`."""

    text: str
    encoding: str
    warnings: tuple[str, ...] = ()


def pair_codes(text: str) -> np.ndarray:
    """Each pair of neighbouring characters as one number, so whole pages compare at once."""
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    return (points[:-1] << np.uint64(21)) | points[1:]


MOJIBAKE_CODES = np.sort(np.concatenate([pair_codes(pair) for pair in MOJIBAKE_PAIRS]))


def mojibake(text: str) -> int:
    """How many UTF-8-read-as-single-byte pairs the text holds."""
    if len(text) < 2:
        return 0
    codes = pair_codes(text)
    found = np.minimum(np.searchsorted(MOJIBAKE_CODES, codes), len(MOJIBAKE_CODES) - 1)
    return int(np.count_nonzero(MOJIBAKE_CODES[found] == codes))


def repair_mojibake(text: str) -> str | None:
    """Undo one round of UTF-8 read as a single-byte code page, or None if that is not what
    happened. Windows-1252 is read sloppily, as browsers do: its five undefined bytes pass
    through as Latin-1."""
    for codec in ("cp1252", "cp1256"):
        try:
            raw = b"".join(single_byte(ch, codec) for ch in text)
            repaired = raw.decode("utf-8")
        except UnicodeError:
            continue
        if mojibake(repaired) < MIN_MOJIBAKE:
            return repaired
    return None


def single_byte(ch: str, codec: str) -> bytes:
    try:
        return ch.encode(codec)
    except UnicodeEncodeError:
        if codec == "cp1252" and ch <= "\xff":
            return ch.encode("latin-1")
        raise


def declared_encoding(data: bytes) -> str | None:
    """The charset a page's <meta> or a feed's <?xml?> declaration names, if any."""
    match = DECLARATION.search(data[:SNIFF_BYTES])
    if not match:
        return None
    return (match.group(1) or match.group(2)).decode("ascii", "replace")


def codec_name(label: str | None) -> str | None:
    if not label:
        return None
    try:
        return codecs.lookup(label.strip().strip("\"'")).name
    except LookupError:
        return None


def decode(data: bytes, declared: str | None = None) -> Decoded:
    """Decode bytes from a file or a response; ``declared`` is an HTTP charset, if one came.

    Order: a byte-order mark; strict UTF-8 (a cut-off last character is dropped with a warning);
    an Arabic-capable declared encoding (HTTP header, then <meta>/<?xml?>); then detection from
    the bytes among the encodings Arabic text is found in.
    """
    if not data.strip(b" \t\r\n\x00"):
        raise ArticleError("no article text found (the input is empty)")
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                return checked(data.decode(encoding), encoding, "byte-order mark")
            except UnicodeDecodeError:
                raise ArticleError(
                    f"binary file, or {encoding} text that is broken after its byte-order mark"
                ) from None
    stray: tuple[str, ...] = ()
    if b"\x00" in data:
        nuls = data.count(b"\x00")
        if nuls > MAX_STRAY_NUL_SHARE * len(data):
            return detected(data, UTF16)
        data = data.replace(b"\x00", b"")
        stray = (f"{nuls} NUL byte(s) dropped",)
    decoded = decode_bytes(data, declared)
    return replace(decoded, warnings=(*stray, *decoded.warnings)) if stray else decoded


def decode_bytes(data: bytes, declared: str | None) -> Decoded:
    """UTF-8, else a declared Arabic encoding, else detection; the data holds no NUL."""
    try:
        return checked(data.decode("utf-8"), "utf-8", None)
    except UnicodeDecodeError as error:
        if error.reason == "unexpected end of data" and error.start >= len(data) - 3:
            text = data[: error.start].decode("utf-8")
            cut = len(data) - error.start
            return checked(
                text, "utf-8", None, (f"the input ends inside a character; {cut} byte(s) dropped",)
            )
    for label, where in ((declared, "HTTP header"), (declared_encoding(data), "declaration")):
        codec = codec_name(label)
        if codec in ARABIC_CODECS and codec != "utf-8":
            try:
                return checked(data.decode(codec), codec, f"{where} {label}")
            except UnicodeDecodeError:
                continue
    return detected(data, SINGLE_BYTE)


def detected(data: bytes, candidates: list[str]) -> Decoded:
    best = from_bytes(data, cp_isolation=candidates).best()
    if best is None:
        raise ArticleError(
            "binary file, or text in an encoding digest cannot identify; "
            "save it as UTF-8 (digest also reads UTF-16, Windows-1256 and ISO-8859-6)"
        )
    return checked(str(best), best.encoding, "detected from the bytes")


def checked(text: str, encoding: str, how: str | None, warnings: tuple[str, ...] = ()) -> Decoded:
    """Refuse binary data that happened to decode; repair or refuse double-encoded UTF-8."""
    if "\x00" in text or len(CONTROL.findall(text)) > MAX_CONTROL_SHARE * len(text):
        raise ArticleError("binary file, not text; give digest text, HTML, feed or JSON lines")
    if mojibake(text) >= MIN_MOJIBAKE:
        repaired = repair_mojibake(text)
        if repaired is None:
            raise ArticleError(
                "the text is garbled (UTF-8 that was once read as another encoding); "
                "fetch or save the original again"
            )
        text = repaired
        warnings += ("repaired UTF-8 that had been read as a single-byte code page",)
    name = codecs.lookup(encoding).name
    return Decoded(text, name if how is None else f"{name} ({how})", warnings)
