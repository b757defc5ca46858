"""Article ids that stay the same across runs, and the same article reached twice kept once."""

import pytest

from digest.ingest import read_sources
from digest.ingest.article import canonical_url
from tests.conftest import SEEDS

RT = SEEDS / "000_b8ca79493ea0142d.txt"


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("HTTPS://WWW.Example.ORG/a/b?utm_source=x&id=3#top", "https://www.example.org/a/b?id=3"),
        (
            "https://example.org/أخبار/عاجل",
            "https://example.org/%D8%A3%D8%AE%D8%A8%D8%A7%D8%B1/%D8%B9%D8%A7%D8%AC%D9%84",
        ),
        ("https://example.org/%d8%a3?fbclid=abc", "https://example.org/%D8%A3"),
        ("http://example.org", "http://example.org/"),
    ],
)
def test_canonical_url(url, canonical):
    assert canonical_url(url) == canonical


def test_ids_come_from_the_text_not_the_file_and_are_the_same_every_run(tmp_path):
    copy = tmp_path / "renamed.txt"
    copy.write_bytes(RT.read_bytes())
    first = read_sources([RT]).articles[0]
    assert read_sources([copy]).articles[0].id == first.id
    assert read_sources([RT]).articles[0].id == first.id
    # Spelling variants, tatweel and diacritics do not make a different article.
    variant = tmp_path / "variant.txt"
    variant.write_text(
        RT.read_text(encoding="utf-8").replace("الكرملين", "الكـرملين").replace("أمله", "امله"),
        encoding="utf-8",
    )
    assert read_sources([variant]).articles[0].id == first.id


def test_the_same_text_twice_is_one_article(tmp_path):
    copy = tmp_path / "copy.txt"
    copy.write_text(
        RT.read_text(encoding="utf-8").replace("المصدر: RT", "المصدر: وكالة أخرى")
        + "\nسجّل إعجابك بصفحتنا على فيسبوك\n",
        encoding="utf-8",
    )
    (article,) = read_sources([RT, copy]).articles
    assert article.source == "RT"
    assert article.warnings[-1] == f"also read from {copy}"


def test_a_near_identical_copy_with_a_changed_sentence_is_one_article(tmp_path):
    paragraphs = (SEEDS / "002_df63d949de21f533.txt").read_text(encoding="utf-8").split("\n")
    copy = tmp_path / "wire.txt"
    copy.write_text(
        "---\nurl: https://other.example.org/news/1\n---\n"
        + "\n".join(paragraphs[:-2] + ["وذكرت الوكالة أن الاجتماع استمر ثلاث ساعات."]),
        encoding="utf-8",
    )
    seeds = read_sources([SEEDS]).articles
    merged = read_sources([SEEDS, copy]).articles
    assert len(merged) == len(seeds) == 2
    # It gained the copy's URL and with it the id it has whenever it is reached by that URL.
    assert merged[1].url == "https://other.example.org/news/1"
    assert merged[1].id == read_sources([copy]).articles[0].id


def test_different_articles_are_kept_apart():
    assert len(read_sources([SEEDS]).articles) == 2
