"""ROUGE with Arabic tokens, and the real-world quality suites on EASC and NTREX."""

import json

import pytest
from typer.testing import CliRunner

from digest.cli import app
from digest.evaluate.report import update_section
from digest.evaluate.summaries import (
    Difference,
    evaluate_easc,
    evaluate_headlines,
    paired_bootstrap,
    read_easc,
    read_ntrex,
    rouge_n,
    sentences_of,
    tokens,
    unwrap,
)
from tests.conftest import SHARED_DATA


@pytest.mark.parametrize(
    ("candidate", "reference", "n", "expected"),
    [
        ("قال الرئيس", "قال الرئيس", 1, 1.0),
        ("قال الرئيس", "غادر الوزير", 1, 0.0),
        ("", "قال الرئيس", 1, 0.0),
        ("أحمد إلى المدرسة", "احمد الي المدرسه", 1, 1.0),
        ("a b c", "a b d", 1, 2 / 3),
        ("a b c", "a b d", 2, 1 / 2),
        ("a a a", "a", 1, 0.5),
    ],
)
def test_rouge_n(candidate, reference, n, expected):
    assert rouge_n(candidate, reference, n) == pytest.approx(expected)


def test_arabic_tokens_are_not_dropped():
    assert tokens("مُحَمَّد، في ٢٠٢٥!") == ["محمد", "في", "٢٠٢٥"]


@pytest.fixture(scope="module")
def easc():
    return read_easc(SHARED_DATA / "easc")


@pytest.mark.real_data("easc")
def test_easc_development_split_is_read_whole(easc):
    assert len(easc) == 102
    assert all(len(a.references) == 5 and a.k >= 1 and a.sentences for a in easc)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("غادر الوزير يوم\nالثلاثاء الى تونس.\nوعاد.", "غادر الوزير يومالثلاثاء الى تونس.\nوعاد."),
        ("السطر الأول.\nالسطر الثاني»\nالثالث", "السطر الأول.\nالسطر الثاني»\nالثالث"),
        ("عنوان بلا نقطة\n\nفقرة تالية.", "عنوان بلا نقطة\n\nفقرة تالية."),
        ("  يبدأ هنا\n  ويكمل هنا.  ", "يبدأ هناويكمل هنا."),
    ],
)
def test_unwrap_joins_lines_that_do_not_end_a_sentence(text, expected):
    assert unwrap(text) == expected


@pytest.mark.real_data("easc")
def test_easc_sentences_are_the_units_the_annotators_chose(easc):
    """Nearly every sentence of a human extract opens one of the article's sentences.

    The rest are the corpus's own naive splits (inside "2.1", after "ق."); hard-wrapped articles
    read line by line would leave about a quarter unmatched.
    """
    starts = matched = 0
    for article in easc:
        own = [" ".join(tokens(s)) for s in article.sentences]
        for reference in article.references:
            for sentence in sentences_of(reference):
                words = " ".join(tokens(sentence))
                starts += 1
                matched += any(s.startswith(words) for s in own)
    assert matched / starts > 0.9


@pytest.mark.real_data("easc")
def test_digest_summaries_beat_lead_and_textrank_on_easc(easc):
    scores = evaluate_easc(easc)
    assert 48 < scores["Lead-k"].rouge1 < 53, "the protocol is off: Lead-k should be near 50.6"
    assert scores["digest"].rouge1 > scores["Lead-k"].rouge1
    assert scores["digest"].rouge2 > scores["Lead-k"].rouge2
    assert scores["digest"].rouge1 > scores["TextRank-k"].rouge1 + 5
    assert len(scores["digest"].rouge1_per_article) == len(easc)
    textrank = paired_bootstrap(
        scores["TextRank-k"].rouge1_per_article, scores["Lead-k"].rouge1_per_article
    )
    assert textrank.low <= textrank.mean <= textrank.high < 0


def test_paired_bootstrap_interval():
    assert paired_bootstrap([3.0, 5.0, 4.0], [1.0, 3.0, 2.0]) == Difference(2.0, 2.0, 2.0)
    gap = paired_bootstrap([float(i % 7) for i in range(100)], [3.0] * 100)
    assert gap.low < gap.mean < gap.high
    assert gap.high - gap.low < 1.5
    assert gap == paired_bootstrap([float(i % 7) for i in range(100)], [3.0] * 100)
    with pytest.raises(ValueError):
        paired_bootstrap([1.0], [1.0, 2.0])


@pytest.mark.real_data("ntrex")
def test_chosen_headlines_beat_the_first_sentence_on_ntrex():
    documents = read_ntrex(SHARED_DATA / "ntrex")
    assert len(documents) == 123
    scores = evaluate_headlines(documents)
    assert scores["digest"] > scores["first sentence"]


@pytest.mark.real_data("ntrex")
def test_eval_cli_prints_json_and_writes_its_benchmarks_section(tmp_path):
    benchmarks = tmp_path / "BENCHMARKS.md"
    benchmarks.write_text("# Benchmarks\n\n<!-- other -->\nkept\n<!-- /other -->\n")
    for _ in range(2):
        result = CliRunner().invoke(
            app,
            [
                "eval",
                "headlines",
                "--ntrex",
                str(SHARED_DATA / "ntrex"),
                "--json",
                "--write-benchmarks",
                str(benchmarks),
            ],
        )
        assert result.exit_code == 0, result.output
    assert json.loads(result.output)["documents"] == 123
    text = benchmarks.read_text()
    assert text.count("<!-- eval-headlines-ntrex -->") == 1
    assert "kept" in text and "| first sentence |" in text
    assert f"`digest eval headlines --ntrex {SHARED_DATA / 'ntrex'}`" in text


@pytest.mark.real_data("ntrex")
def test_eval_writes_no_file_unless_asked(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for extra in ([], ["--json"]):
        args = ["eval", "headlines", "--ntrex", str(SHARED_DATA / "ntrex"), *extra]
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, result.output
        assert "| digest |" in result.output or '"documents": 123' in result.output
    assert list(tmp_path.iterdir()) == []


def test_eval_cli_rejects_a_folder_that_is_not_easc(tmp_path):
    result = CliRunner().invoke(app, ["eval", "summarise", "--easc", str(tmp_path)])
    assert result.exit_code == 2
    assert "is not an EASC folder" in result.output


def test_a_section_script_prints_and_writes_unless_asked_only_to_print(tmp_path, capsys):
    from digest.evaluate.report import publish, section_options

    path = tmp_path / "BENCHMARKS.md"
    options = section_options("A benchmark.\n\nMore.", path)
    assert options.description == "A benchmark."
    publish("| a |", options.parse_args(["--no-write"]), "k")
    assert capsys.readouterr().out == "| a |\n" and not path.exists()
    publish("| b |", options.parse_args([]), "k")
    assert "<!-- k -->\n| b |\n<!-- /k -->" in path.read_text(encoding="utf-8")


def test_update_section_replaces_only_its_own_section(tmp_path):
    path = tmp_path / "B.md"
    update_section(path, "a", "first")
    update_section(path, "b", "second")
    update_section(path, "a", "third")
    text = path.read_text()
    assert "first" not in text and text.index("third") < text.index("second")
