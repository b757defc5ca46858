"""A headline without its outlet's own label: a media tag or an agency's desk."""

import json

import pytest

from digest.ingest import read_sources
from digest.ingest.titles import without_label
from tests.conftest import SHARED_DATA

NEWS = SHARED_DATA / "news"


@pytest.mark.parametrize(
    ("title", "headline", "desk"),
    [
        (
            "شاهد.. مظاهرات في الأحواز ضد قمع النظام الإيراني",
            "مظاهرات في الأحواز ضد قمع النظام الإيراني",
            None,
        ),
        ("إنفوغرافيك.. تفاصيل صواريخ الحوثيين الإيرانية", "تفاصيل صواريخ الحوثيين الإيرانية", None),
        ("انفوجرافيك... أرقام الانتخابات", "أرقام الانتخابات", None),
        ("إنفوغراف: موازنة 2018", "موازنة 2018", None),
        ("فيديوغرافيك | سباق التسلح", "سباق التسلح", None),
        ("فيديو: بوتين أمام تحديات إنعاش اقتصاد هش", "بوتين أمام تحديات إنعاش اقتصاد هش", None),
        ("شاهد .. لحظة الانفجار", "لحظة الانفجار", None),
        ("قصة مصورة: مهرجان تمور بريدة", "مهرجان تمور بريدة", None),
        ("عام / بلدي القطيف يعقد جلسته العادية", "بلدي القطيف يعقد جلسته العادية", "عام"),
        ("اقتصادي / غرفة الطائف تنظم مهرجان التسوق", "غرفة الطائف تنظم مهرجان التسوق", "اقتصادي"),
        ("رياضي / دورة تأسيسية للمدرب الرياضي", "دورة تأسيسية للمدرب الرياضي", "رياضي"),
        # a place, a speaker or an opinion before the mark is news, and so is a slash inside
        ("سوريا: عشرات القتلى في قذيفة صاروخية", "سوريا: عشرات القتلى في قذيفة صاروخية", None),
        ("ترامب: سنغادر سوريا قريبا", "ترامب: سنغادر سوريا قريبا", None),
        ("اليمن.. إحباط هجوم بالبيضاء", "اليمن.. إحباط هجوم بالبيضاء", None),
        ("الرياض / جدة رحلات جديدة", "الرياض / جدة رحلات جديدة", None),
        ("شاهد العيان يروي ما حدث", "شاهد العيان يروي ما حدث", None),
        # nothing after the label: the title stays
        ("شاهد..", "شاهد..", None),
    ],
)
def test_a_leading_label_is_not_the_headline(title, headline, desk):
    assert without_label(title) == (headline, desk)


@pytest.mark.real_data("news")
def test_the_press_agency_desk_becomes_the_section(tmp_path):
    """Real Saudi Press Agency reports: the desk leaves the title and names the section where it
    names one; every title the data gives keeps its news."""
    wanted = {"اقتصادي /": "economy", "رياضي /": "sport", "ثقافي /": "culture", "عام /": None}
    picked = {}
    with (NEWS / "saudinewsnet-2015-08-09-10.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            desk = next((d for d in wanted if record["title"].startswith(d)), None)
            if desk and desk not in picked:
                picked[desk] = record
    path = tmp_path / "spa.jsonl"
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in picked.values()), encoding="utf-8"
    )
    found = {a.url: a for a in read_sources([str(path)]).articles}
    assert len(found) == len(wanted)
    for desk, record in picked.items():
        article = found[record["url"]]
        assert article.title == record["title"].removeprefix(desk).strip()
        assert article.section == wanted[desk]
