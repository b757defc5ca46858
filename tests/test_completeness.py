"""The completeness measurement, and its targets on NTREX, the real pages and the seeds."""

import pytest
from typer.testing import CliRunner

from digest.cli import app
from digest.evaluate.completeness import measure, measure_story
from digest.evaluate.summaries import read_ntrex
from digest.ingest import read_sources
from digest.news import Article, Sentence, Story, Summary
from digest.stories.cluster import cluster
from tests.conftest import SEEDS, SHARED_DATA

LEAD = "قال الرئيس، إنهم أحرزوا تقدما كبيرا، إلا أنهم لم يتمكنوا من التوصل إلى اتفاق نهائي."
REMARKS = "جاء ذلك في تصريحات للرئيس خلال مؤتمر صحفي مشترك عقب الاجتماع في العاصمة."
OTHER = "وعقد الاجتماع في القاعدة الجوية بحضور وزيري الخارجية والدفاع من البلدين."
STORY = Story(articles=(Article(id="a", origin="a.txt", paragraphs=(LEAD, REMARKS, OTHER)),))


def bullet(text, position):
    return Sentence(text=text, position=position, paragraph=position, article="a")


def test_a_cut_headline_and_an_orphan_are_counted():
    """What the summariser did before issue 12: the cut clause and the antecedent are lost."""
    summary = Summary(
        headline="قال الرئيس، إنهم أحرزوا تقدما كبيرا",
        headline_position=0,
        bullets=(bullet(REMARKS, 1), bullet(OTHER, 2)),
    )
    m = measure_story(STORY, summary)
    assert (m.cut, m.kept, m.bullets, m.back_references, m.orphans) == (1, 0, 2, 1, 1)
    assert m.clause_share == 0.0 and m.orphan_share == 50.0


def test_the_whole_sentence_as_a_bullet_keeps_the_clauses_and_the_antecedent():
    summary = Summary(
        headline="قال الرئيس، إنهم أحرزوا تقدما كبيرا",
        headline_position=0,
        bullets=(bullet(LEAD, 0), bullet(REMARKS, 1)),
    )
    m = measure_story(STORY, summary)
    assert (m.cut, m.kept, m.orphans) == (1, 1, 0)
    assert m.clause_share == 100.0


def test_an_uncut_headline_counts_as_showing_its_sentence():
    story = Story(articles=(Article(id="a", origin="a.txt", paragraphs=(OTHER, REMARKS)),))
    summary = Summary(headline=OTHER, headline_position=0, bullets=(bullet(REMARKS, 1),))
    m = measure_story(story, summary)
    assert (m.cut, m.orphans, m.clause_share) == (0, 0, None)


@pytest.mark.real_data("ntrex")
def test_targets_on_ntrex():
    documents = read_ntrex(SHARED_DATA / "ntrex")
    m = measure(
        [Story(articles=(Article(id=d.id, origin=d.id, paragraphs=d.body),)) for d in documents]
    )
    assert m.stories == 123 and m.cut > 20
    assert m.clause_share == 100.0
    assert m.back_references > 0 and m.orphans == 0
    assert m.questions == 0


@pytest.mark.real_data("html")
def test_targets_on_the_real_pages_and_the_seeds():
    for source in (SHARED_DATA / "html", SEEDS):
        m = measure(cluster(read_sources([source]).articles))
        assert m.orphans == 0 and m.questions == 0
        assert m.clause_share in (None, 100.0)


@pytest.mark.real_data("ntrex")
def test_eval_completeness_writes_its_table(tmp_path):
    benchmarks = tmp_path / "BENCHMARKS.md"
    result = CliRunner().invoke(
        app,
        [
            "eval",
            "completeness",
            "--ntrex",
            str(SHARED_DATA / "ntrex"),
            "--articles",
            str(SEEDS),
            "--write-benchmarks",
            str(benchmarks),
        ],
    )
    assert result.exit_code == 0, result.output
    text = benchmarks.read_text()
    assert "<!-- eval-completeness -->" in text
    assert "| NTREX (Arabic side) | 123 |" in text and "100.0%" in text
    missing = CliRunner().invoke(app, ["eval", "completeness", "--ntrex", str(tmp_path)])
    assert missing.exit_code == 2 and "is not an NTREX folder" in missing.output
