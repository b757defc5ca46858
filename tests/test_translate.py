"""Both backends on tiny MarianMT and NLLB models: loading, order, batching, backend choice."""

import shutil

import pytest

from digest.errors import ModelError, UsageError
from digest.translate import choose_backend, convert, faithful, load_translator, models
from digest.translate.ctranslate2_backend import CTranslate2Engine
from digest.translate.decoding import Decoding
from digest.translate.device import BatchBudget
from digest.translate.transformers_backend import TransformersEngine
from tests.tiny_models import converted_copy

SENTENCES = [
    "قال الرئيس الأمريكي دونالد ترامب إنهم أحرزوا تقدما كبيرا في اجتماعهم مع الرئيس الروسي.",
    "انتهى الاجتماع.",
    "وعقد الاجتماع بصيغة 3+3، حيث حضر من الجانب الأمريكي ترامب ووزير الخارجية ماركو روبيو.",
    "ترامب",
    "وتابع أنه يأمل في عقد اجتماعات مثمرة مع روسيا في المستقبل.",
]


@pytest.fixture(scope="module")
def converted(tmp_path_factory, tiny_marian, tiny_nllb):
    root = tmp_path_factory.mktemp("converted")
    return {
        "marian": converted_copy(tiny_marian, root / "marian"),
        "nllb": converted_copy(tiny_nllb, root / "nllb"),
    }


@pytest.fixture(
    scope="module",
    params=[
        ("transformers", "marian"),
        ("transformers", "nllb"),
        ("ctranslate2", "marian"),
        ("ctranslate2", "nllb"),
    ],
    ids=lambda p: "-".join(p),
)
def translator(request, converted):
    backend, kind = request.param
    return load_translator(models.resolve(None, converted[kind]), backend)


def test_each_backend_loads_its_engine(translator):
    engine = translator.engine
    expected = {"transformers": TransformersEngine, "ctranslate2": CTranslate2Engine}
    assert isinstance(engine, expected[engine.backend])
    assert translator.backend in ("transformers-float32", "ctranslate2-int8")
    assert engine.decoding == Decoding(beam=2, max_length=24), "the model's generation config"


def test_one_result_per_sentence_in_input_order(translator):
    together = translator.translate(SENTENCES)
    assert [pair.ar for pair in together] == SENTENCES
    one_by_one = [translator.translate([s])[0].en for s in SENTENCES]
    assert [pair.en for pair in together] == one_by_one
    assert all(isinstance(pair.en, str) for pair in together)


def test_batches_are_length_sorted_and_bounded(translator, monkeypatch):
    seen = []
    generate = translator.engine.generate
    monkeypatch.setattr(
        translator.engine,
        "generate",
        lambda texts, d: seen.append(list(texts)) or generate(texts, d),
    )
    monkeypatch.setattr(translator.engine, "budget", BatchBudget(sentences=2))
    monkeypatch.setattr(faithful.guards, "problem", lambda source, output: None)
    translator.translate(SENTENCES)
    assert [len(batch) for batch in seen] == [2, 2, 1]
    lengths = translator.engine.lengths([t for batch in seen for t in batch])
    assert lengths == sorted(lengths)


def test_nothing_in_nothing_out(translator):
    assert translator.translate([]) == []


@pytest.mark.parametrize("kind", ["marian", "nllb"])
def test_ctranslate2_scores_what_transformers_scores(converted, kind):
    """The float32 conversion gives every token of transformers' own translation the same
    log-probability: the converter, the vocabulary and the tokenization agree. (Comparing greedy
    outputs instead would trip on near-ties of a random tiny model.)"""
    import torch

    model = models.resolve(None, converted[kind])
    hf = TransformersEngine(model)
    ct2 = CTranslate2Engine(model, compute="float32")
    for sentence in SENTENCES:
        inputs = hf.tokenizer([sentence], return_tensors="pt")
        output = hf.network.generate(**inputs, **hf.options, num_beams=1, max_length=10)
        with torch.no_grad():
            logits = hf.network(**inputs, decoder_input_ids=output[:, :-1]).logits
        if (
            kind == "marian"
        ):  # the converter drops <pad>, which Marian never emits, from the vocabulary
            logits[..., hf.tokenizer.pad_token_id] = float("-inf")
        expected = logits.log_softmax(-1)[0].gather(1, output[0, 1:, None])[:, 0].tolist()
        source = hf.tokenizer.convert_ids_to_tokens(inputs["input_ids"][0])
        target = hf.tokenizer.convert_ids_to_tokens(output[0, 1:])
        if target[-1] == hf.tokenizer.eos_token:
            target = target[:-1]
        (scored,) = ct2.translator.score_batch([source], [target])
        assert scored.tokens[: len(target)] == target
        assert scored.log_probs[: len(target)] == pytest.approx(expected[: len(target)], abs=1e-3)


def test_nllb_starts_english_in_both_backends(converted):
    model = models.resolve(None, converted["nllb"])
    hf = TransformersEngine(model)
    english = hf.tokenizer.convert_tokens_to_ids("eng_Latn")
    assert hf.options == {"forced_bos_token_id": english}
    inputs = hf.tokenizer(["انتهى الاجتماع."], return_tensors="pt")
    assert inputs["input_ids"][0, 0].item() == hf.tokenizer.convert_tokens_to_ids("arb_Arab")
    assert hf.network.generate(**inputs, **hf.options)[0, 1].item() == english
    ct2 = CTranslate2Engine(model)
    tokens = [hf.tokenizer.convert_ids_to_tokens(inputs["input_ids"][0])]
    (result,) = ct2.translator.translate_batch(
        tokens, target_prefix=[ct2.prefix], max_decoding_length=4
    )
    assert result.hypotheses[0][0] == "eng_Latn"


def test_forced_length_gives_exactly_that_many_tokens(converted):
    """The speed benchmark forces the output length; both backends must honour it."""
    model = models.resolve(None, converted["marian"])
    hf, ct2 = TransformersEngine(model), CTranslate2Engine(model)
    forced = Decoding(beam=2).forced(7)
    inputs = hf.tokenizer(SENTENCES[:2], return_tensors="pt", padding=True)
    out = hf.network.generate(
        **inputs, num_beams=2, min_length=forced.min_length, max_length=forced.max_length
    )
    assert out.shape[1] - 1 == 7
    tokens = [
        hf.tokenizer.convert_ids_to_tokens(ids) for ids in hf.tokenizer(SENTENCES[:2])["input_ids"]
    ]
    results = ct2.translator.translate_batch(
        tokens, beam_size=2, min_decoding_length=7, max_decoding_length=7
    )
    assert [len(r.hypotheses[0]) for r in results] == [7, 7]


def test_threads_reach_the_engine(converted):
    import torch

    before = torch.get_num_threads()
    try:
        TransformersEngine(models.resolve(None, converted["marian"]), threads=1)
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


def test_auto_picks_ctranslate2_only_when_a_current_conversion_is_there(
    converted, tiny_marian, tmp_path, caplog
):
    assert choose_backend(models.resolve(None, converted["marian"])) == "ctranslate2"
    assert choose_backend(models.resolve(None, tiny_marian)) == "transformers"
    with pytest.raises(ModelError, match=f"digest models convert --model-dir {tiny_marian}"):
        choose_backend(models.resolve(None, tiny_marian), "ctranslate2")
    with pytest.raises(UsageError, match="unknown backend 'onnx'"):
        choose_backend(models.resolve(None, tiny_marian), "onnx")

    stale = tmp_path / "stale"
    shutil.copytree(converted["marian"], stale)
    (stale / "vocab.json").write_text((stale / "vocab.json").read_text() + "\n")
    model = models.resolve(None, stale)
    assert convert.conversion_state(model) == "stale"
    assert choose_backend(model) == "transformers"
    assert "made from other files" in caplog.text
    with pytest.raises(ModelError, match="is out of date"):
        choose_backend(model, "ctranslate2")


def test_progress_bar_only_for_more_than_a_handful(translator, capsys):
    translator.translate(SENTENCES[:2])
    assert "translating" not in capsys.readouterr().err
    translator.translate([f"{s} {i}" for i in range(3) for s in SENTENCES])
    assert "translating" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"backend": "onnx"}, "--backend must be one of auto, transformers, ctranslate2"),
        ({"threads": 0}, "--threads must be at least 1"),
    ],
)
def test_build_options_are_checked(options, message):
    from digest.settings import build_settings

    with pytest.raises(UsageError, match=message):
        build_settings(["seeds"], **options)


def test_build_asking_for_ctranslate2_without_a_conversion_is_one_line(tmp_path, tiny_marian):
    from typer.testing import CliRunner

    from digest.cli import app
    from tests.conftest import SEEDS

    args = ["build", str(SEEDS), "--model-dir", str(tiny_marian), "--out", str(tmp_path / "site")]
    result = CliRunner().invoke(app, [*args, "--backend", "ctranslate2"])
    assert result.exit_code == 2
    assert "error: the CTranslate2 conversion of tiny-marian is not here" in result.output
    assert f"digest models convert --model-dir {tiny_marian}" in result.output
    assert not (tmp_path / "site").exists()
