"""`digest eval stories`: B-cubed on cases computed by hand, the topic figures, and the command on
real articles of the March 2018 data labelled here by hand."""

import datetime as dt
import json

import pytest
from typer.testing import CliRunner

from digest.cli import app
from digest.errors import SourceError
from digest.evaluate.stories import (
    LEAD_STORIES,
    Labels,
    bcubed,
    evaluate,
    evaluate_sources,
    read_labels,
)
from digest.news import Article, Story
from tests.conftest import ROOT, SHARED_DATA


def partition(*groups: str) -> dict[str, int]:
    """'ab cd' style: each word a group, each letter an article."""
    return {item: n for n, group in enumerate(groups) for item in group}


@pytest.mark.parametrize(
    ("stories", "topics", "precision", "recall"),
    [
        # identical partitions, singletons included
        (("ab", "c"), ("ab", "c"), 1.0, 1.0),
        # all singletons on both sides
        (("a", "b", "c", "d"), ("a", "b", "c", "d"), 1.0, 1.0),
        # every article alone, one topic of four: each article's story is pure, holds 1/4
        (("a", "b", "c", "d"), ("abcd",), 1.0, 0.25),
        # one story of four, four topics: the reverse
        (("abcd",), ("a", "b", "c", "d"), 0.25, 1.0),
        # topics abc, de; stories ab, cde: precision (1 + 1 + 1/3 + 2/3 + 2/3) / 5,
        # recall (2/3 + 2/3 + 1/3 + 1 + 1) / 5
        (("ab", "cde"), ("abc", "de"), 11 / 15, 11 / 15),
        # a topic of three split 2 + 1 beside a right singleton: recall (2/3 + 2/3 + 1/3 + 1) / 4
        (("ab", "c", "d"), ("abc", "d"), 1.0, 2 / 3),
    ],
)
def test_bcubed_on_cases_worked_by_hand(stories, topics, precision, recall):
    scores = bcubed(partition(*stories), partition(*topics))
    assert scores.precision == pytest.approx(precision)
    assert scores.recall == pytest.approx(recall)
    assert scores.f1 == pytest.approx(2 * precision * recall / (precision + recall))


def test_bcubed_counts_only_articles_both_sides_know():
    assert bcubed({"a": 0, "b": 0, "x": 1}, {"a": "t", "b": "t", "y": "u"}).f1 == 1.0
    assert bcubed({}, {"a": "t"}).f1 == 0.0


def article(key: str, outlet: str) -> Article:
    return Article(id=key, origin=key, paragraphs=("نص",), source=outlet)


def test_topics_split_share_rank_and_leads():
    """Topic t (five articles, three outlets) is split 3 + 2, its main story third in the issue;
    u is whole at rank 1; the lead v is nowhere in the issue."""
    ranked = [
        Story((article("u1", "A"), article("u2", "B"))),
        Story((article("t4", "A"), article("t5", "A"))),
        Story((article("t1", "A"), article("t2", "B"), article("t3", "C"))),
    ]
    labels = Labels(
        topic={"u1": "u", "u2": "u", **{f"t{i}": "t" for i in range(1, 6)}},
        leads=("t", "u", "v"),
    )
    result = evaluate(ranked, labels)
    by_name = {t.topic: t for t in result.largest}
    assert [t.topic for t in result.largest] == ["t", "u"]
    assert (by_name["t"].size, by_name["t"].outlets, by_name["t"].stories) == (5, 3, 2)
    assert (by_name["t"].main_share, by_name["t"].main_rank) == (0.6, 3)
    assert result.scattered == ()
    assert [lead.main_rank for lead in result.leads] == [3, 1, 0]
    assert result.lead_recall == 2
    assert result.scores.precision == 1.0


def test_a_topic_under_the_share_is_listed_as_scattered():
    ranked = [Story((article(f"t{i}", "A"),)) for i in range(5)]
    result = evaluate(ranked, Labels(topic={f"t{i}": "t" for i in range(5)}, leads=()))
    assert [t.topic for t in result.scattered] == ["t"]
    assert result.scattered[0].main_share == 0.2


def test_leads_file_comments_and_bad_labels(tmp_path):
    labels = tmp_path / "day.jsonl"
    labels.write_text('{"id": "a", "topic": "t"}\n\n{"id": "b", "topic": "u"}\n')
    (tmp_path / "day.leads").write_text("t  # the day's event\n# a note\nu\n")
    assert read_labels(labels) == Labels(topic={"a": "t", "b": "u"}, leads=("t", "u"))
    labels.write_text('{"id": "a"}\n')
    with pytest.raises(SourceError, match=r"day.jsonl:1: expected a JSON object"):
        read_labels(labels)
    for bad in ("[1, 2]", '"a"', "{"):
        labels.write_text(bad + "\n")
        with pytest.raises(SourceError, match=r"day.jsonl:1: expected a JSON object"):
            read_labels(labels)
    labels.write_text('{"id": "a", "topic": "t"}\n')
    (tmp_path / "day.leads").unlink()
    (tmp_path / "day.leads").mkdir()
    with pytest.raises(SourceError, match=r"cannot read the leads"):
        read_labels(labels)


# Hand labels of a few real articles of 2018-03-10/11: a plane crash five outlets reported, a
# royal order four reported, and two reports of one day that stand alone.
JET = "turkish-private-jet-crash-iran"
SAUDI = "saudi-anti-corruption-prosecution-units"
HAND_LABELS = {
    "ant:SK-internationalNews-290-20180311": JET,
    "ant:FR-internationalNews-371-20180311": JET,
    "ant:BB-middleEast-176-20180311": JET,
    "ant:CN-middleEast-248-20180311": JET,
    "ant:AL-internationalNews-428-20180311": JET,
    "ant:SK-middleEast-226-20180311": JET,
    "ant:SK-economy-116-20180311": SAUDI,
    "ant:BB-middleEast-175-20180311": SAUDI,
    "ant:CN-middleEast-246-20180311": SAUDI,
    "ant:FR-internationalNews-370-20180311": SAUDI,
    "ant:BB-technology-71-20180310": "fake-news-spreads-faster-study",
    "ant:BB-sport-67-20180310": "guardiola-fined-yellow-ribbon",
}


@pytest.mark.real_data("news")
def test_eval_stories_on_real_articles(tmp_path):
    wanted = set(HAND_LABELS)
    with (SHARED_DATA / "news" / "ant-2018-03.jsonl").open(encoding="utf-8") as month:
        records = [line for line in month if json.loads(line)["id"] in wanted]
    assert len(records) == len(wanted)
    source = tmp_path / "day.jsonl"
    source.write_text("".join(records), encoding="utf-8")
    labels = tmp_path / "gold.jsonl"
    labels.write_text(
        "".join(
            json.dumps({"id": key, "topic": topic}) + "\n"
            for key, topic in [*HAND_LABELS.items(), ("ant:not-in-the-sources", "other")]
        )
    )
    (tmp_path / "gold.leads").write_text(f"{JET}\n{SAUDI}\n")

    result = CliRunner().invoke(app, ["eval", "stories", "--gold", str(labels), str(source)])
    assert result.exit_code == 0, result.output
    assert "12 articles" in result.output and "ant:not-in-the-sources" in result.output
    assert f"| {JET} | 6 | 5 | 1 | 100% | 1 |" in result.output

    result = CliRunner().invoke(
        app, ["eval", "stories", "--gold", str(labels), str(source), "--json"]
    )
    payload = json.loads(result.output)
    assert payload["missing"] == ["ant:not-in-the-sources"]
    assert payload["day"] == "2018-03-11"
    assert payload["scores"]["f1"] == 1.0
    assert payload["lead_recall"] == 2 and payload["lead_stories"] == LEAD_STORIES


def test_eval_stories_with_nothing_labelled_is_one_line(tmp_path):
    labels = tmp_path / "gold.jsonl"
    labels.write_text('{"id": "nowhere", "topic": "t"}\n')
    page = tmp_path / "a.txt"
    page.write_text("---\ntitle: عنوان\n---\nنص الخبر هنا.\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", "stories", "--gold", str(labels), str(page)])
    assert result.exit_code != 0
    assert result.output.strip().splitlines()[-1] == (
        "error: none of the 1 labelled articles is in the sources"
    )


LABELLED = ROOT / "benchmarks" / "data" / "topics"


@pytest.mark.real_data("news")
@pytest.mark.parametrize("labels", sorted(LABELLED.glob("????-??-??.jsonl")), ids=lambda p: p.stem)
def test_every_labelled_day_keeps_its_stories(labels, tmp_path):
    """The labelled days of benchmarks/data/topics/ (benchmarks/stories.py has the figures):
    the labelled articles are found (but the few the data holds twice under two ids, which
    reading folds into the first), and the stories stay near the people's topics, well above
    what the clustering before issue 22 scored (B-cubed F1 0.79-0.92). The floors sit just under
    the weakest days': F1 0.881 on 2018-03-25 (broad topics: a visit's deals, a missile
    attack's reactions) and precision 0.841 on 2018-03-13 (the Syrian war's reports that tell
    Afrin and Ghouta both, a day's Yemeni fronts, and the lone reports tracking joins to a big
    story wrongly)."""
    wanted = set(read_labels(labels).topic)
    window = tmp_path / labels.name
    with (SHARED_DATA / "news" / "ant-2018-03.jsonl").open(encoding="utf-8") as month:
        window.write_text(
            "".join(line for line in month if json.loads(line)["id"] in wanted), encoding="utf-8"
        )
    result = evaluate_sources(labels, [str(window)])
    assert result.day == dt.date.fromisoformat(labels.stem)
    assert result.missing == () or len(result.missing) <= 0.01 * result.articles
    assert result.scores.f1 >= 0.875
    assert result.scores.precision >= 0.835


@pytest.mark.real_data("news")
def test_the_month_of_json_lines_is_one_source(tmp_path):
    """A labeller's day evaluates against the whole month's file (13.9 MB of JSON lines, over
    the 10 MB a single page may be): the labelled articles are picked out of it, and the figures
    are those of the day's window alone."""
    labels = LABELLED / "2018-03-22.jsonl"
    month = SHARED_DATA / "news" / "ant-2018-03.jsonl"
    result = CliRunner().invoke(
        app, ["eval", "stories", "--gold", str(labels), str(month), "--json"]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    wanted = set(read_labels(labels).topic)
    window = tmp_path / "window.jsonl"
    with month.open(encoding="utf-8") as lines:
        window.write_text(
            "".join(line for line in lines if json.loads(line)["id"] in wanted), encoding="utf-8"
        )
    alone = evaluate_sources(labels, [str(window)])
    assert payload["articles"] == alone.articles == 345
    assert payload["scores"]["f1"] == pytest.approx(alone.scores.f1)
