import json

import pytest
from typer.testing import CliRunner

from digest.cli import app
from digest.ingest import read_sources
from digest.ingest.text import parse_text
from digest.stories.references import refers_back
from digest.stories.summarise import summarise
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
        assert len(set(positions)) == len(positions)
        if summary.headline_position in positions:
            whole = summary.bullets[positions.index(summary.headline_position)].text
            assert whole.startswith(summary.headline) and whole != summary.headline


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


def test_a_shortened_headline_keeps_the_news_in_the_bullets():
    anadolu = read_sources([SEEDS / "002_df63d949de21f533.txt"]).articles[0]
    summary = summarise(anadolu)
    assert "إلا أنهم" not in summary.headline
    assert summary.headline_position == 0
    assert any("إلا أنهم لم يتمكنوا من التوصل إلى اتفاق نهائي" in b.text for b in summary.bullets)


def test_a_headline_that_fits_is_not_repeated_as_a_bullet():
    summary = summarise(
        article(
            "أعلنت وزارة الصحة اليوم عن افتتاح مستشفى جديد في وسط العاصمة.",
            "وقالت الوزارة في بيان إن المستشفى الجديد يضم مئتي سرير وعشرين طبيبا.",
            "ويخدم المستشفى سكان العاصمة والمناطق الريفية المجاورة لها منذ اليوم.",
        )
    )
    assert summary.headline_position == 0
    assert summary.headline not in [b.text for b in summary.bullets]


REMARKS = "جاء ذلك في تصريحات لوزير الصحة خلال مؤتمر صحفي عقده في العاصمة بعد اجتماع الحكومة."
HOSPITAL = "افتتحت وزارة الصحة مستشفى جديدا في العاصمة يضم مئتي سرير وعشرين طبيبا اليوم."


def test_a_back_reference_is_chosen_only_with_what_it_refers_to():
    summary = summarise(
        article(
            "أعلن وزير الصحة أن المستشفى الجديد في العاصمة سيفتح أبوابه للمرضى الأسبوع المقبل.",
            REMARKS,
            "وتضم الحكومة الجديدة في العاصمة عشرين وزيرا من أحزاب مختلفة منذ الشهر الماضي.",
            HOSPITAL,
            title="مستشفى جديد",
        ),
        bullets=2,
    )
    texts = [b.text for b in summary.bullets]
    assert REMARKS not in texts or texts[texts.index(REMARKS) - 1].startswith("أعلن وزير")
    summary = summarise(article(REMARKS, HOSPITAL, title="مستشفى جديد"), bullets=2)
    assert [b.text for b in summary.bullets] == [REMARKS, HOSPITAL]


def test_a_back_reference_loses_to_a_sentence_that_stands_alone():
    opening = "أعلن وزير الصحة أن المستشفى الجديد في العاصمة سيفتح أبوابه للمرضى الأسبوع المقبل."
    summary = summarise(
        article(
            opening,
            "ويعد المستشفى الأكبر في البلاد من حيث عدد الأسرة والأطباء والأجهزة الحديثة.",
            "وأضاف الوزير أن المستشفى الجديد في العاصمة سيخدم المرضى من كل المحافظات المجاورة.",
            "وتضم الحكومة الجديدة عشرين وزيرا من أحزاب مختلفة منذ الشهر الماضي في العاصمة.",
        ),
        bullets=1,
    )
    assert summary.headline == opening
    assert len(summary.bullets) == 1
    assert not summary.bullets[0].text.startswith("وأضاف")


def test_questions_are_not_bullets_while_answers_are_there():
    interview = article(
        "هل تعتقد أن الحكومة الجديدة قادرة على إصلاح الاقتصاد في البلاد هذا العام؟",
        "الحكومة الجديدة وضعت خطة لإصلاح الاقتصاد تقوم على دعم الصناعة والزراعة في البلاد.",
        "وما هي أولويات الحكومة الجديدة في إصلاح الاقتصاد خلال الأشهر المقبلة من هذا العام؟",
        "أولويات الحكومة هي خفض البطالة ودعم الصادرات وإصلاح الضرائب خلال الأشهر المقبلة.",
        title="حوار مع وزير الاقتصاد",
    )
    texts = [b.text for b in summarise(interview, bullets=2).bullets]
    assert len(texts) == 2
    assert not any(t.endswith("؟") for t in texts)
    texts = [b.text for b in summarise(interview, bullets=4).bullets]
    assert sum(not t.endswith("؟") for t in texts) == 2


@pytest.mark.parametrize(
    ("text", "leans"),
    [
        ("وتشكل هذه الاتفاقية إطارا جديدا لتطوير قطاع الطاقة الشمسية في البلاد.", True),
        ("ووصفت طهران هؤلاء الأشخاص بأنهم أنصار عقيدة متطرفة.", True),
        ("وفي تلك الدقيقة ألغى الحكم هدفا بداعي التسلل.", True),
        ("وفي ذلك اليوم قتل عشرة أشخاص في القصف.", True),
        ("على صعيد ذي صلة، استنكر الأمين العام للأمم المتحدة الهجوم.", True),
        ("وفي سياق متصل، أعلنت الشرطة توقيف مشتبه به.", True),
        # the demonstrative alone is the thing pointed at: "this came during...", "this is the
        # first...", "even so", "in addition to that"
        ("جاء هذا خلال ترؤس سموه في مكتبه بجدة اجتماعا مع قادة القطاعات الأمنية.", True),
        ("وهذه هي المرة الأولى التي يبلغ فيها ليفربول دور الثمانية منذ عام 2009.", True),
        ("ومع ذلك، تحدثت عن صدى الشهرة وتأثيره الكبير على حياتها.", True),
        ("علاوة على ذلك أكد القائد الأميركي أن إيران زادت دعمها لوكلائها.", True),
        # "This year" is the reader's year too; the demonstrative deep in the sentence is
        # explained by what comes before it in the same sentence.
        ("احتلت فنلندا هذا العام المركز الأول كأسعد مكان على الأرض.", False),
        ("أعلن وزير الصحة في مؤتمر صحفي أن هذا المستشفى سيفتح أبوابه.", False),
        ("افتتحت وزارة الصحة مستشفى جديدا في العاصمة هذا الأسبوع.", False),
        ("هذا العام شهد أعلى نسبة مشاركة في الانتخابات منذ عقدين.", False),
        ("هذاك الرجل لا يشبه أحدا.", False),
        # said, by whom? The speaker is in the sentence before.
        ('وقال: "خامنئي يريد التوسع، ويريد أن ينشئ مشروعه الخاص في الشرق الأوسط".', True),
        ("وقال إن استهداف رئيس الحكومة ورئيس جهاز المخابرات جريمة لا تغتفر.", True),
        ("وقالت إنها ستواصل التحقيق في ملابسات الحادث خلال الأيام المقبلة.", True),
        ("قال إن الحكومة ستعلن خطتها الأسبوع المقبل.", True),
        ("وقال وزير الخارجية إن بلاده ترفض التدخل في شؤونها الداخلية.", False),
        ('وقالت "أوبر" إن السيارة كانت تعمل بنظام القيادة الذاتية.', False),
        ("قال الرئيس الأميركي إن المحادثات كانت مثمرة.", False),
        ("وقالت مصادر أمنية إن الانفجار وقع قرب الموكب.", False),
    ],
)
def test_a_sentence_pointing_at_something_unseen_leans_on_the_one_before(text, leans):
    assert refers_back(text) is leans


def test_this_agreement_is_not_a_bullet_without_the_agreement():
    opening = "وقعت السعودية مذكرة تفاهم مع سوفت بنك لإنشاء أكبر مشروع للطاقة الشمسية في العالم."
    summary = summarise(
        article(
            opening,
            "وحضر التوقيع عدد من المسؤولين في مدينة نيويورك خلال الزيارة الرسمية.",
            "وتشكل هذه الاتفاقية إطارا جديدا لمشروع الطاقة الشمسية في السعودية مع سوفت بنك وتأسيس "
            "شركة للطاقة الشمسية.",
            "وتعتزم السعودية رفع أصول صندوق الاستثمارات العامة إلى سبعة تريليونات ريال.",
        ),
        bullets=1,
    )
    assert summary.headline == opening
    assert len(summary.bullets) == 1
    assert "هذه الاتفاقية" not in summary.bullets[0].text
