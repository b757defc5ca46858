import json

import pytest
from typer.testing import CliRunner

from digest.cli import app
from digest.ingest import read_sources
from digest.ingest.text import parse_text
from digest.summarise import summarise
from tests.conftest import SEEDS

LONG = "و" + " كلمة" * 90 + "."


def article(*paragraphs, title=None):
    text = "\n".join(paragraphs)
    if title:
        text = f"---\ntitle: {title}\n---\n" + text
    return parse_text(text, origin="test.txt")


def test_one_sentence_article_becomes_the_headline_with_no_bullets():
    summary = summarise(article("قال الرئيس إن الاجتماع كان مثمرا جدا"))
    assert summary.headline == "قال الرئيس إن الاجتماع كان مثمرا جدا"
    assert summary.headline_position == 0
    assert summary.bullets == ()


def test_title_is_the_headline_and_every_sentence_may_be_a_bullet():
    summary = summarise(
        article(
            "وصل الوفد الروسي إلى المدينة صباحا.",
            "بدأت المحادثات بين الوفدين ظهرا.",
            title="قمة ألاسكا",
        ),
        bullets=4,
    )
    assert (summary.headline, summary.headline_position) == ("قمة ألاسكا", None)
    assert [b.position for b in summary.bullets] == [0, 1]


@pytest.mark.parametrize("k", [1, 2, 3, 4, 8])
def test_bullets_are_at_most_k_in_document_order_without_the_headline(k):
    for story in read_sources([SEEDS]).articles:
        summary = summarise(story, bullets=k)
        positions = [b.position for b in summary.bullets]
        assert len(positions) <= k
        assert positions == sorted(positions)
        assert summary.headline_position not in positions
        assert len(set(positions)) == len(positions)


def test_seed_summaries_have_a_headline_and_several_bullets():
    for story in read_sources([SEEDS]).articles:
        summary = summarise(story)
        assert summary.headline
        assert len(summary.bullets) >= 2


def test_fragments_and_run_ons_are_avoided_when_there_is_a_choice():
    summary = summarise(
        article(
            "عاجل.",
            LONG,
            "أعلنت وزارة الصحة اليوم عن افتتاح مستشفى جديد في وسط العاصمة.",
            "وقالت الوزارة في بيان إن المستشفى الجديد يضم مئتي سرير.",
            "ويخدم المستشفى سكان العاصمة والمناطق الريفية المجاورة لها منذ اليوم.",
        ),
        bullets=2,
    )
    chosen = [summary.headline] + [b.text for b in summary.bullets]
    assert "عاجل." not in chosen
    assert LONG not in chosen


def test_repeated_sentence_is_not_picked_twice():
    same = "أعلنت وزارة الصحة عن افتتاح مستشفى جديد في العاصمة اليوم."
    summary = summarise(
        article(same, "وقالت الوزارة إن المستشفى يضم مئتي سرير وعشرين طبيبا.", same), bullets=3
    )
    texts = [summary.headline] + [b.text for b in summary.bullets]
    assert texts.count(same) == 1


def test_deterministic():
    story = read_sources([SEEDS]).articles[1]
    assert summarise(story) == summarise(story)


def test_cli_summarise_json():
    result = CliRunner().invoke(
        app, ["summarise", str(SEEDS / "002_df63d949de21f533.txt"), "-k", "3", "--json"]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert set(payload) == {"headline", "sentences"}
    assert len(payload["sentences"]) == 3
    body = (SEEDS / "002_df63d949de21f533.txt").read_text()
    offsets = [body.index(s) for s in payload["sentences"]]
    assert offsets == sorted(offsets)


def test_cli_summarise_plain_shows_positions():
    result = CliRunner().invoke(
        app, ["summarise", str(SEEDS / "000_b8ca79493ea0142d.txt"), "-k", "2"]
    )
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert len(lines) == 3 and lines[1].startswith("  [")


@pytest.mark.parametrize(
    ("args", "message"), [(["nope.txt"], "no such file"), (["-k", "0"], "-k must be at least 1")]
)
def test_cli_summarise_errors(args, message):
    if args[0] == "-k":
        args = [str(SEEDS / "000_b8ca79493ea0142d.txt"), *args]
    result = CliRunner().invoke(app, ["summarise", *args])
    assert result.exit_code == 2
    assert message in result.output
