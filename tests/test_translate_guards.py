"""Clause splitting and the guards against fluent nonsense, alone and through a real engine."""

import pytest

from digest.translate import guards, load_translator, models
from digest.translate.decoding import Decoding
from digest.translate.splitting import split_clauses

LONG = (
    "وصف الرئيس الأمريكي لقاءه مع الرئيس الروسي بأنه كان مثمرا للغاية، وقال إنهم أحرزوا تقدما "
    "كبيرا؛ ثم أضاف أن بعض القضايا لا تزال عالقة: منها أوكرانيا والعقوبات، لكن الطرفين اتفقا على "
    "مواصلة الحوار في موسكو"
)


def words_at_most(n):
    return lambda text: len(text.split()) <= n


def test_a_sentence_that_fits_is_left_alone():
    assert split_clauses("انتهى الاجتماع.", words_at_most(5)) == ["انتهى الاجتماع."]


def test_the_semicolon_is_the_first_cut():
    parts = split_clauses(LONG, words_at_most(20))
    assert parts[0].endswith("؛") and len(parts) == 2


@pytest.mark.parametrize("budget", [20, 12, 8, 5, 3, 1])
def test_parts_fit_and_give_back_the_whole_sentence(budget):
    parts = split_clauses(LONG, words_at_most(budget))
    assert all(words_at_most(budget)(part) for part in parts)
    assert " ".join(parts).split() == LONG.split(), "nothing dropped, nothing reordered"


def test_cuts_fall_after_clause_punctuation_and_before_conjunctions():
    parts = split_clauses(LONG, words_at_most(8))
    ends = [part[-1] for part in parts[:-1]]
    starts = [part.split()[0] for part in parts[1:]]
    at_boundaries = sum(e in "؛،:" for e in ends) + sum(s in ("ثم", "لكن") for s in starts)
    assert at_boundaries >= len(parts) - 2, parts
    assert "ثم أضاف" in " ".join(p for p in parts if p.startswith("ثم"))


def test_a_bare_conjunction_and_the_wa_prefix_are_used_when_there_is_no_punctuation():
    text = "التقى الرئيسان في ألاسكا و بحثا الحرب والعقوبات لساعات طويلة"
    assert split_clauses(text, words_at_most(6))[1].startswith("و بحثا")
    text = "التقى الرئيسان في ألاسكا وبحثا الحرب"
    assert split_clauses(text, words_at_most(4)) == ["التقى الرئيسان في ألاسكا", "وبحثا الحرب"]


def test_one_unbroken_run_of_letters_is_cut_by_characters():
    parts = split_clauses("ا" * 50, lambda text: len(text) <= 8)
    assert "".join(parts) == "ا" * 50 and all(len(p) <= 8 for p in parts)


@pytest.mark.parametrize(
    ("source", "english", "reason"),
    [
        ("استمر الاجتماع ٣ ساعات", "The meeting lasted 3 hours", None),
        (
            "قتل ١٢ شخصا في الهجوم",
            "Twelve people were killed in the attack",
            "dropped the number 12",
        ),
        ("قتل 12 شخصا في الهجوم", "people were killed in the attack", "dropped the number 12"),
        ("نما الاقتصاد ٢٫٥٪ في ٢٠٢٥", "The economy grew 2.5% in 2025", None),
        ("نما الاقتصاد ٢٫٥٪ في ٢٠٢٥", "The economy grew 25% in 2025", "dropped the number 2.5"),
        ("وصل ١٬٠٠٠ لاجئ", "1,000 refugees arrived", None),
        ("وصل 1,000 لاجئ", "1000 refugees arrived", None),
        ("ترامب", "", "empty translation"),
        ("ترامب", "   ", "empty translation"),
        ("قال الرئيس إن المحادثات مثمرة", "The president said said said", "repeats itself"),
        (
            "قال الرئيس إن المحادثات كانت مثمرة جدا",
            "The president said the talks the talks were useful",
            "repeats itself",
        ),
        (
            "قال الرئيس إن المحادثات كانت مثمرة",
            "The president said the talks were very, very good",
            None,
        ),
        (
            "قال الرئيس الأمريكي دونالد ترامب إن المحادثات كانت مثمرة للغاية",
            "Trump.",
            "implausible length",
        ),
        (
            "انتهى الاجتماع",
            "The meeting ended late in the evening after long talks about trade, energy and Ukraine",
            "implausible length",
        ),
        ("ترامب", "Trump", None),
    ],
)
def test_guards(source, english, reason):
    found = guards.problem(source, english)
    assert (found is None) if reason is None else found.startswith(reason), found


def test_numbers_read_both_digit_systems():
    assert guards.numbers("عام ٢٠٢٥ و 3+3 و ١٬٥٠٠٫٥٠") == ["2025", "3", "3", "1500.5"]


@pytest.fixture(params=["marian", "nllb"])
def translator(request, tiny_marian, tiny_nllb):
    folder = {"marian": tiny_marian, "nllb": tiny_nllb}[request.param]
    return load_translator(models.resolve(None, folder), "transformers")


def spy(monkeypatch, translator, first=None):
    """Record each call's inputs and decoding; ``first`` replaces the first call's output."""
    calls = []
    generate = translator.engine.generate

    def recorded(texts, decoding):
        calls.append((list(texts), decoding))
        if first is not None and len(calls) == 1:
            return [first] * len(texts)
        return generate(texts, decoding)

    monkeypatch.setattr(translator.engine, "generate", recorded)
    return calls


def test_a_long_sentence_is_translated_in_clauses_never_cut_off(translator, monkeypatch):
    monkeypatch.setattr(translator, "budget", 40)
    monkeypatch.setattr(translator.engine, "limit", 40)
    monkeypatch.setattr(guards, "problem", lambda source, output: None)
    calls = spy(monkeypatch, translator)
    (pair,) = translator.translate([LONG])
    parts = [text for texts, _ in calls for text in texts]
    assert len(parts) > 1
    assert all(n <= 40 for n in translator.engine.lengths(parts))
    assert sorted(" ".join(parts).split()) == sorted(LONG.split())
    assert pair.ar == LONG and pair.review is None
    assert pair.en.count(" ") >= len(parts) - 1


def test_a_failing_line_is_retried_once_with_safer_settings_then_flagged(translator, monkeypatch):
    """The tiny random models never write digits, so a number in the source always fails."""
    calls = spy(monkeypatch, translator)
    source = "استمر الاجتماع ٣ ساعات في قاعدة عسكرية."
    (pair,) = translator.translate([source])
    assert len(calls) == 2
    retry = calls[1][1]
    assert calls[1][0] == [source]
    assert retry.beam >= 5 and retry.no_repeat_ngram == 3 and retry.repetition_penalty > 1
    assert retry.min_length >= 2 and retry.max_length <= translator.engine.decoding.max_length
    assert pair.review == "dropped the number 3"
    assert pair.en


def test_an_empty_output_is_retried_and_replaced_when_the_retry_is_sound(translator, monkeypatch):
    monkeypatch.setattr(guards, "implausible_length", lambda source, output: None)
    monkeypatch.setattr(guards, "repeats", lambda output: None)
    calls = spy(monkeypatch, translator, first="")
    (pair,) = translator.translate(["انتهى الاجتماع."])
    assert len(calls) == 2
    assert pair.en and pair.review is None


def test_still_empty_after_the_retry_is_flagged(translator, monkeypatch):
    monkeypatch.setattr(translator.engine, "decoding", Decoding(beam=1, max_length=2))
    calls = spy(monkeypatch, translator)
    (pair,) = translator.translate(["انتهى الاجتماع."])
    assert len(calls) == 2
    assert (pair.en, pair.review) == ("", "empty translation")
