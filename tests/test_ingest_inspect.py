"""`digest inspect` from outside, on the seeds and the three real pages (issue 3, "done means")."""

import datetime as dt
import json
from pathlib import Path

import pytest

from tests.conftest import SEEDS, SHARED_DATA
from tests.test_build import digest

HTML = SHARED_DATA / "html"


@pytest.fixture(scope="module")
def inspected() -> dict:
    pages = [HTML / name / "article.html" for name in ("lbc", "assabah", "cnn-arabic")]
    result = digest("inspect", SEEDS, *pages, "--json")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["failures"] == []
    return {name(article["origin"]): article for article in payload["articles"]}


def name(origin: str) -> str:
    """ "000" and "002" for the seeds, the site's folder for a real page."""
    path = Path(origin)
    return path.parent.name if path.name == "article.html" else path.stem[:3]


@pytest.mark.real_data("html")
def test_seed_000_read_more_list_is_related_and_rt_is_the_source(inspected):
    rt = inspected["000"]
    assert rt["source"] == "RT"
    assert len(rt["paragraphs"]) == 6 and len(rt["related"]) == 14
    assert not any("وول ستريت جورنال" in p or "المزيد" in p for p in rt["paragraphs"])
    assert rt["published"] is None and "no publication date found" in rt["warnings"]


@pytest.mark.real_data("html")
def test_seed_002_date_line_and_facebook_prompt_are_not_body(inspected):
    anadolu = inspected["002"]
    assert anadolu["published"] == "2025-08-16"
    assert anadolu["paragraphs"][0].startswith("قال الرئيس الأمريكي دونالد ترامب")
    assert not any("فيسبوك" in p or "date" in p for p in anadolu["paragraphs"])


@pytest.mark.real_data("html")
def test_real_pages(inspected):
    assert inspected["lbc"]["published"] == "2026-01-08"
    assert inspected["lbc"]["source"] == "LBCI Lebanon"
    assert inspected["assabah"]["published"] == dt.date(2019, 2, 8).isoformat()
    assert inspected["cnn-arabic"]["published"] == "2013-08-03"
    assert inspected["cnn-arabic"]["title"] == "معارضون يسيطرون على مخازن للصواريخ بريف دمشق"
    for article in inspected.values():
        assert len(article["id"]) == 16 and article["encoding"] == "utf-8"


def test_text_output_names_every_field():
    result = digest("inspect", SEEDS / "000_b8ca79493ea0142d.txt")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    for field in ("id:", "title:", "source:", "source from:", "url:", "published:", "age:"):
        assert any(line.strip().startswith(field) for line in lines), field
    assert "  source:      RT" in lines and "  source from: source line" in lines
    assert "  age:         unknown (no publication date)" in lines
    assert "  related:     14" in lines and "  paragraphs:  6" in lines


def test_inspect_says_where_the_outlet_came_from_and_warns_when_unknown(tmp_path):
    anadolu = digest("inspect", "--json", SEEDS / "002_df63d949de21f533.txt")
    article = json.loads(anadolu.stdout)["articles"][0]
    assert (article["source"], article["source_from"]) == (
        "Anadolu Agency",
        "attribution in the text",
    )
    assert isinstance(article["age_days"], int) and article["age_days"] >= 0
    nameless = tmp_path / "2025-08-16-report.txt"
    nameless.write_text(
        "قال الرئيس إن الاجتماع كان مثمرا للغاية وإن المحادثات ستستمر الأسبوع المقبل.\n",
        encoding="utf-8",
    )
    result = digest("inspect", nameless)
    assert "  source:      unknown outlet" in result.stdout.splitlines()
    assert "outlet unknown: no metadata, source line, dateline or URL names it" in result.stdout
    assert "2025-08-16-report" not in result.stdout.replace(str(nameless), "")


def test_failures_are_listed_and_strict_exits_1(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("Only English here, nothing Arabic.", encoding="utf-8")
    seed = next(SEEDS.glob("*.txt"))
    lenient = digest("inspect", seed, bad, "--json")
    assert lenient.returncode == 0
    assert json.loads(lenient.stdout)["failures"][0]["reason"].startswith("the text is not Arabic")
    assert f"could not process {bad}: the text is not Arabic" in lenient.stderr
    assert digest("inspect", seed, bad, "--strict").returncode == 1
    alone = digest("inspect", bad, "--json")
    assert alone.returncode == 2, "no article at all: exit 2, as build"
    assert json.loads(alone.stdout)["failures"][0]["origin"] == str(bad)
