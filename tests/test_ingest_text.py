import datetime as dt

import pytest

from digest.errors import ArticleError, SourceError
from digest.ingest import expand, read_sources
from digest.ingest.text import parse_text
from tests.conftest import SEEDS

RT = SEEDS / "000_b8ca79493ea0142d.txt"
ANADOLU = SEEDS / "002_df63d949de21f533.txt"
ARABIC = "قال الرئيس إن الاجتماع كان مثمرا جدا. وأضاف أن المحادثات ستستمر."


def test_seed_000_source_line_and_read_more_list_are_not_body():
    article = read_sources([RT]).articles[0]
    assert article.source == "RT"
    assert article.published is None
    assert len(article.paragraphs) == 6
    body = "\n".join(article.paragraphs)
    assert "المصدر" not in body
    assert "وول ستريت جورنال" not in body
    assert "إقرأ المزيد" not in body
    assert article.related[0].startswith("“وول ستريت جورنال”")
    assert len(article.related) == 14


def test_seed_002_date_marker_and_facebook_prompt_are_not_body():
    article = read_sources([ANADOLU]).articles[0]
    assert article.published == dt.date(2025, 8, 16)
    assert article.paragraphs[0].startswith("قال الرئيس الأمريكي دونالد ترامب")
    body = "\n".join(article.paragraphs)
    assert "فيسبوك" not in body
    assert "date" not in body
    assert len(article.paragraphs) == 16
    # No source line: «التي حصلت عليها الأناضول» in the text names the outlet, never the file.
    assert (article.source, article.source_from) == ("Anadolu Agency", "attribution in the text")


def test_front_matter():
    text = f"---\ntitle: عنوان الخبر\nsource: الجزيرة\nurl: https://example.org/a\ndate: 2025-01-02\n---\n{ARABIC}\n"
    article = parse_text(text, origin="a.txt")
    assert (article.title, article.source, article.url, article.published) == (
        "عنوان الخبر",
        "Al Jazeera",
        "https://example.org/a",
        dt.date(2025, 1, 2),
    )
    assert article.paragraphs == (ARABIC,)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no article text"),
        ("\n\n   \n", "no article text"),
        ("المصدر: RT\n", "no article text"),
        ("date 2025-13-40 " + ARABIC, "not a date"),
        ("---\ntitle: x\n" + ARABIC, "never closed"),
        ("---\nauthor: x\n---\n" + ARABIC, "front matter line 2"),
        ("---\ndate: yesterday\n---\n" + ARABIC, "not a date"),
        ("The president said the meeting was very productive. Talks go on.", "not Arabic"),
    ],
)
def test_bad_text_is_an_article_error_with_a_reason(text, message):
    with pytest.raises(ArticleError, match=message):
        parse_text(text, origin="x.txt")


def test_crlf_and_bom_are_accepted(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(("date 2025-02-03\r\n" + ARABIC + "\r\n").encode("utf-8-sig"))
    article = read_sources([path]).articles[0]
    assert article.published == dt.date(2025, 2, 3)
    assert article.paragraphs == (ARABIC,)


def test_one_bad_file_in_a_folder_is_reported_and_the_rest_are_read(tmp_path, caplog):
    for i in range(9):
        (tmp_path / f"{i:02}.txt").write_text(f"{ARABIC} رقم {i}", encoding="utf-8")
    (tmp_path / "05-bad.txt").write_bytes(b"\xff\xfe\x00\x01binary\x00")
    (tmp_path / "notes.md").write_text("not an article")
    result = read_sources([tmp_path])
    assert len(result.articles) == 9
    assert [f.origin for f in result.failures] == [str(tmp_path / "05-bad.txt")]
    assert "binary" in result.failures[0].reason
    assert f"could not process {tmp_path / '05-bad.txt'}: binary" in caplog.text


def test_folders_expand_to_sorted_readable_files_below(tmp_path):
    (tmp_path / "b").mkdir()
    for name in ("b/2.txt", "a.txt", "b/1.TXT", "c.html", "d.xml", "e.jsonl", "f.md", "g.json"):
        (tmp_path / name).write_text(ARABIC)
    assert [p.relative_to(tmp_path).as_posix() for p in expand([tmp_path])] == [
        "a.txt",
        "b/1.TXT",
        "b/2.txt",
        "c.html",
        "d.xml",
        "e.jsonl",
    ]


def test_missing_source_is_a_source_error(tmp_path):
    with pytest.raises(SourceError, match="no such file or folder"):
        expand([tmp_path / "nope"])


def test_unsupported_file_named_directly_is_reported(tmp_path):
    path = tmp_path / "a.pdf"
    path.write_bytes(b"%PDF")
    assert "unsupported file type '.pdf'" in read_sources([path]).failures[0].reason
