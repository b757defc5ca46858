"""The transformers backend on tiny MarianMT and NLLB models: loading, batching, order, limits."""

import pytest

from digest import models
from digest.translate import load_translator
from digest.translate.transformers_backend import TransformersTranslator

SENTENCES = [
    "قال الرئيس الأمريكي دونالد ترامب إنهم أحرزوا تقدما كبيرا في اجتماعهم مع الرئيس الروسي.",
    "انتهى الاجتماع.",
    "وعقد الاجتماع بصيغة 3+3، حيث حضر من الجانب الأمريكي ترامب ووزير الخارجية ماركو روبيو.",
    "ترامب",
    "وتابع أنه يأمل في عقد اجتماعات مثمرة مع روسيا في المستقبل.",
]


@pytest.fixture(scope="module", params=["marian", "nllb"])
def translator(request, tiny_marian, tiny_nllb):
    folder = {"marian": tiny_marian, "nllb": tiny_nllb}[request.param]
    return load_translator(models.resolve(None, folder))


def test_loads_the_kind_its_config_names(translator):
    assert isinstance(translator, TransformersTranslator)
    kinds = {"marian": "marian", "m2m_100": "nllb"}
    assert translator.model.spec.kind == kinds[translator.network.config.model_type]
    assert translator.backend == "transformers"


def test_one_result_per_sentence_in_input_order(translator):
    together = translator.translate(SENTENCES)
    assert [pair.ar for pair in together] == SENTENCES
    one_by_one = [translator.translate([s])[0].en for s in SENTENCES]
    assert [pair.en for pair in together] == one_by_one
    assert all(isinstance(pair.en, str) for pair in together)


def test_batches_are_length_sorted_and_bounded(translator, monkeypatch):
    seen = []
    generate = translator.generate
    monkeypatch.setattr(translator, "generate", lambda texts: seen.append(texts) or generate(texts))
    monkeypatch.setattr("digest.translate.transformers_backend.MAX_BATCH", 2)
    translator.translate(SENTENCES)
    assert [len(batch) for batch in seen] == [2, 2, 1]
    lengths = [len(translator.tokenizer(t)["input_ids"]) for batch in seen for t in batch]
    assert lengths == sorted(lengths)


def test_nothing_in_nothing_out(translator):
    assert translator.translate([]) == []


def test_nllb_forces_english_as_the_first_target_token(tiny_nllb):
    translator = load_translator(models.resolve(None, tiny_nllb))
    english = translator.tokenizer.convert_tokens_to_ids("eng_Latn")
    assert translator.generate_options == {"forced_bos_token_id": english}
    inputs = translator.tokenizer(["انتهى الاجتماع."], return_tensors="pt")
    output = translator.network.generate(**inputs, **translator.generate_options)
    assert output[0, 1].item() == english
    assert inputs["input_ids"][0, 0].item() == translator.tokenizer.convert_tokens_to_ids(
        "arb_Arab"
    )


def test_generation_settings_come_from_the_model(tiny_marian):
    translator = load_translator(models.resolve(None, tiny_marian))
    assert translator.network.generation_config.num_beams == 2
    assert translator.network.generation_config.max_length == 24


def test_over_long_input_is_flagged_for_review_not_silently_cut(translator, monkeypatch):
    monkeypatch.setattr(translator, "limit", 20)
    pairs = translator.translate(SENTENCES[:2])
    assert "over the model's 20" in pairs[0].review
    assert pairs[1].review is None


def test_progress_bar_only_for_more_than_a_handful(translator, capsys):
    translator.translate(SENTENCES[:2])
    assert "translating" not in capsys.readouterr().err
    translator.translate(SENTENCES * 2)
    assert "translating" in capsys.readouterr().err
