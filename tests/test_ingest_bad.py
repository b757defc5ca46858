"""Bad input: each bad file is reported with a reason and skipped; nothing raises."""

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.errors import ArticleError
from digest.ingest import MAX_FILE_BYTES, MAX_LINES_BYTES, read_sources
from digest.ingest.decode import MIN_MOJIBAKE, decode, mojibake
from tests.test_build import digest

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "ingest"
SENTENCES = (
    "أعلنت الحكومة الأردنية خطة جديدة لدعم المزارعين المتضررين من موجة الجفاف هذا العام.",
    "افتتح وزير التربية في المغرب مئة مدرسة ريفية جديدة بتمويل من البنك الدولي.",
    "ارتفعت أسعار النفط في الأسواق العالمية بعد قرار منظمة أوبك خفض الإنتاج.",
    "أطلقت الإمارات قمرا صناعيا لرصد التغيرات المناخية في منطقة الخليج العربي.",
    "وقعت مصر والسودان اتفاقا لتطوير الربط الكهربائي بين البلدين خلال عامين.",
    "سجلت السياحة في تونس أرقاما قياسية خلال موسم الصيف بحسب وزارة السياحة.",
    "أقر البرلمان الكويتي قانونا جديدا لتنظيم العمل عن بعد في القطاع الحكومي.",
    "بدأت السلطات اللبنانية حملة لترميم المباني التراثية المتضررة في بيروت.",
    "أعلن الهلال الأحمر عن إرسال قافلة مساعدات طبية إلى المناطق المنكوبة بالفيضانات.",
)


def distinct_article(i: int) -> str:
    """Nine articles that share no sentence, so none is a near-duplicate of another."""
    return f"{SENTENCES[i]}\n{SENTENCES[(i + 4) % 9].replace('.', '،')} وفق ما أفادت مصادر رسمية."


def write_folder(folder: Path) -> Path:
    """Nine good articles of three kinds, and one bad file."""
    folder.mkdir()
    for i in range(9):
        text = distinct_article(i)
        kind = ("txt", "html", "jsonl")[i % 3]
        path = folder / f"{i:02}.{kind}"
        if kind == "txt":
            path.write_text(text, encoding="utf-8")
        elif kind == "html":
            paragraphs = "".join(f"<p>{line}</p>" for line in text.split("\n"))
            path.write_text(f"<html><body><article>{paragraphs}</article></body></html>")
        else:
            path.write_text(json.dumps({"text": text}, ensure_ascii=False) + "\n")
    (folder / "05-bad.html").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(300))
    return folder


def test_a_folder_with_one_bad_file_of_ten(tmp_path, caplog):
    folder = write_folder(tmp_path / "in")
    ingested = read_sources([folder])
    assert len(ingested.articles) == 9
    (failure,) = ingested.failures
    assert failure.origin == str(folder / "05-bad.html")
    assert "binary" in failure.reason
    assert caplog.text.count("could not process") == 1


def test_build_on_that_folder_exits_1_only_with_strict(tmp_path):
    folder = write_folder(tmp_path / "in")
    lenient = digest("build", folder, "--no-translate", "--out", tmp_path / "site")
    assert lenient.returncode == 0, lenient.stderr
    assert f"could not process {folder / '05-bad.html'}: binary" in lenient.stderr
    assert "1 article(s) could not be processed" in lenient.stderr
    strict = digest("build", folder, "--no-translate", "--strict", "--out", tmp_path / "strict")
    assert strict.returncode == 1
    assert "1 of 10 articles could not be processed and --strict is set" in strict.stderr
    assert not (tmp_path / "strict").exists()


@pytest.mark.parametrize("suffix", [".txt", ".html", ".xml", ".jsonl"])
@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "no article text found"),
        (b"  \n\r\n\t ", "no article text found"),
        (bytes(range(256)) * 4, "binary"),
    ],
)
def test_empty_and_binary_files_of_every_kind(tmp_path, suffix, content, reason):
    path = tmp_path / f"bad{suffix}"
    path.write_bytes(content)
    ingested = read_sources([path])
    assert ingested.articles == ()
    assert reason in ingested.failures[0].reason


def test_enormous_files_are_refused_without_being_read(tmp_path):
    path = tmp_path / "huge.html"
    with path.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)
    (failure,) = read_sources([path]).failures
    assert f"over the {MAX_FILE_BYTES:,}-byte limit" in failure.reason


def test_json_lines_may_hold_an_archive_but_not_without_end(tmp_path):
    """One JSON lines file holds many articles (a month of five outlets is 13.9 MB): it is read
    past the 10 MB a page may be, up to MAX_LINES_BYTES, and refused unread beyond."""
    record = {"title": "خبر", "text": "قال الرئيس إن الاجتماع كان مثمرا جدا.", "source": "RT"}
    archive = tmp_path / "archive.jsonl"
    archive.write_text(
        json.dumps(record, ensure_ascii=False) + "\n" * (MAX_FILE_BYTES + 1), encoding="utf-8"
    )
    ingested = read_sources([archive])
    assert ingested.failures == () and len(ingested.articles) == 1
    huge = tmp_path / "huge.jsonl"
    with huge.open("wb") as handle:
        handle.truncate(MAX_LINES_BYTES + 1)
    (failure,) = read_sources([huge]).failures
    assert f"over the {MAX_LINES_BYTES:,}-byte limit" in failure.reason


def test_truncated_page_and_feed_keep_what_arrived(tmp_path):
    page = (FIXTURES / "page.html").read_bytes()
    cut = page[: page.index("وتراجع معدل".encode())]
    (tmp_path / "page.html").write_bytes(cut)
    feed = (FIXTURES / "atom.xml").read_bytes()
    (tmp_path / "feed.xml").write_bytes(feed[: feed.index(b"<entry>", feed.index(b"</entry>"))])
    ingested = read_sources([tmp_path / "page.html", tmp_path / "feed.xml"])
    bank, ahly = ingested.articles
    assert len(bank.paragraphs) == 2 and bank.title.startswith("البنك المركزي")
    assert ahly.title == "الأهلي يتوج بلقب دوري أبطال أفريقيا"


def test_a_page_in_english_is_reported_as_not_arabic(tmp_path):
    path = tmp_path / "en.html"
    sentence = "The central bank kept its main interest rate unchanged on Tuesday morning. "
    path.write_text(f"<html><body><article><p>{sentence * 6}</p></article></body></html>")
    (failure,) = read_sources([path]).failures
    assert "not Arabic" in failure.reason


@given(st.binary(max_size=3000))
@settings(max_examples=200, deadline=None)
def test_any_bytes_decode_to_text_or_a_reason(data):
    try:
        decoded = decode(data)
    except ArticleError as error:
        assert str(error)
    else:
        assert "\x00" not in decoded.text and mojibake(decoded.text) < MIN_MOJIBAKE


@given(st.binary(max_size=3000), st.sampled_from(["txt", "html", "xml", "jsonl"]))
@settings(max_examples=100, deadline=None)
def test_any_file_is_an_article_or_a_reason(data, suffix):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"x.{suffix}"
        path.write_bytes(data)
        ingested = read_sources([path])
    assert all(failure.reason for failure in ingested.failures)
    assert len(ingested.articles) + len(ingested.failures) >= 1
