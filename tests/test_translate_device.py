"""Devices, number formats, batch budgets, CPU thread splits and the CUDA probe with each fallback.

No GPU here: the failures a GPU machine gives are injected where they arise (CTranslate2 seeing a
device whose first translation raises the real error text), and the rest runs the real engines
on the tiny models."""

import logging
import re
import sqlite3

import pytest
from typer.testing import CliRunner

from digest import engines
from digest.cli import app
from digest.errors import ModelError, UsageError
from digest.translate import device, fallback, load_translator, models, plan
from digest.translate.ctranslate2_backend import HYPOTHESIS_TOKENS, CTranslate2Engine
from digest.translate.decoding import Decoding
from digest.translate.device import BatchBudget, ThreadSplit, thread_split
from tests.conftest import SEEDS
from tests.tiny_models import converted_copy

NO_CUBLAS = "Library libcublas.so.12 is not found or cannot be loaded"
OUT_OF_MEMORY = "CUDA failed with error out of memory"


@pytest.fixture(scope="module")
def converted(tmp_path_factory, tiny_marian):
    return converted_copy(tiny_marian, tmp_path_factory.mktemp("device") / "marian")


@pytest.fixture
def model(converted):
    return models.resolve(None, converted)


@pytest.mark.parametrize(
    ("threads", "split"),
    [(1, (1, 1)), (2, (1, 2)), (3, (1, 3)), (4, (2, 2)), (5, (2, 2)), (16, (8, 2)), (64, (32, 2))],
)
def test_cores_split_into_parallel_batches_of_two_threads(threads, split):
    assert thread_split(threads) == ThreadSplit(*split)


def test_the_default_counts_the_cores_this_process_may_use(monkeypatch):
    monkeypatch.setattr(engines.os, "sched_getaffinity", lambda pid: {0, 3, 5}, raising=False)
    monkeypatch.setattr(engines.os, "cpu_count", lambda: 64)
    assert engines.available_cores() == 3
    assert thread_split() == ThreadSplit(1, 3)
    result = CliRunner().invoke(app, ["build", "--help"])
    assert "default: the cores this process may use" in re.sub(r"[\s│]+", " ", result.output)


def test_ctranslate2_runs_parallel_batches_and_feeds_every_worker(model):
    one = CTranslate2Engine(model, threads=2)
    four = CTranslate2Engine(model, threads=8)
    assert (one.split, four.split) == (ThreadSplit(1, 2), ThreadSplit(4, 2))
    assert four.translator.num_translators == 4
    assert four.budget.sentences == 4 * one.budget.sentences == 4 * BatchBudget().sentences
    assert four.budget.tokens == 4 * BatchBudget().tokens
    tokens = [["▁a"] * 10] * 8
    assert one.sub_batch(tokens, beam=4) == HYPOTHESIS_TOKENS // 4, "one worker: as before"
    assert four.sub_batch(tokens, beam=4) == 20, "80 source tokens over 4 workers"
    assert four.sub_batch(tokens * 100, beam=4) == HYPOTHESIS_TOKENS // 2 // 4, "bounded"
    sentences = ["انتهى الاجتماع.", "استمر الاجتماع ثلاث ساعات.", "وصل الوفد إلى المدينة."]
    decoding = one.decoding
    assert four.generate(sentences, decoding) == one.generate(sentences, decoding)


def test_on_a_cpu_the_plan_is_float32_transformers_or_int8_ctranslate2(model):
    assert plan(model, "transformers").name == "transformers-float32"
    chosen = plan(model, "auto", "cpu")
    assert (chosen.backend, chosen.device, chosen.name) == (
        "ctranslate2",
        "cpu",
        "ctranslate2-int8",
    )


def test_transformers_on_a_cpu_loads_float32_weights_in_place_and_cpu_batches(model):
    translator = load_translator(model, "transformers", device="cpu")
    engine = translator.engine
    assert (engine.device, engine.compute_type, translator.backend) == (
        "cpu",
        "float32",
        "transformers-float32",
    )
    assert {(p.device.type, str(p.dtype)) for p in engine.network.parameters()} == {
        ("cpu", "torch.float32")
    }
    assert engine.budget == BatchBudget()


def test_a_float16_conversion_runs_and_is_signed_as_what_it_is(tiny_marian, tmp_path):
    import ctranslate2

    model = models.resolve(None, converted_copy(tiny_marian, tmp_path / "f16", "float16"))
    cpu_has = ctranslate2.get_supported_compute_types("cpu")
    expected = "ctranslate2-float16" if "float16" in cpu_has else "ctranslate2-float32"
    assert plan(model, "ctranslate2", "cpu").name == expected, "not quantized to int8 silently"
    translator = load_translator(model, "ctranslate2", device="cpu")
    assert translator.translate(["انتهى الاجتماع."])[0].en
    assert translator.backend == expected


@pytest.mark.parametrize("backend", ["transformers", "ctranslate2"])
def test_device_cuda_without_a_gpu_is_a_usage_error(model, backend):
    with pytest.raises(UsageError, match="--device cuda: .* no usable CUDA GPU.*--device cpu"):
        plan(model, backend, "cuda")
    with pytest.raises(UsageError, match="--device must be one of auto, cpu, cuda"):
        plan(model, backend, "gpu")


def test_device_cuda_without_a_gpu_is_one_line_and_exit_2(converted, tmp_path):
    result = CliRunner().invoke(
        app,
        ["build", str(SEEDS), "--model-dir", str(converted), "--device", "cuda"],
        catch_exceptions=False,
    )
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and result.output.startswith("error: --device cuda")


class GpuWithout:
    """ctranslate2.Translator on a machine where the driver shows a GPU but the first
    translation on it fails as it does in the field; CPU translators are the real ones."""

    def __init__(self, real, error: str):
        self.real, self.error, self.made = real, error, []

    def __call__(self, path, device="cpu", **options):
        self.made.append(device)
        if device == "cpu":
            return self.real(path, device=device, **options)
        error = self.error

        class Broken:
            def translate_batch(self, *args, **kwargs):
                raise RuntimeError(error)

        return Broken()


@pytest.fixture
def gpu_without(monkeypatch):
    import ctranslate2

    def install(error: str) -> GpuWithout:
        fake = GpuWithout(ctranslate2.Translator, error)
        monkeypatch.setattr(ctranslate2, "Translator", fake)
        monkeypatch.setattr(ctranslate2, "get_cuda_device_count", lambda: 1)
        real_types = ctranslate2.get_supported_compute_types
        monkeypatch.setattr(
            ctranslate2,
            "get_supported_compute_types",
            lambda where: {"float32", "float16"} if where == "cuda" else real_types(where),
        )
        monkeypatch.setattr(device, "free_gpu_memory", lambda: None)
        return fake

    return install


def test_a_gpu_without_cuda_12_libraries_falls_back_to_the_cpu_with_one_warning(
    model, gpu_without, caplog
):
    fake = gpu_without(NO_CUBLAS)
    chosen = plan(model)
    assert (chosen.device, chosen.name) == ("cuda", "ctranslate2-float16")
    translator = load_translator(model)
    with caplog.at_level(logging.WARNING, logger="digest"):
        pairs = translator.translate(["انتهى الاجتماع."])
    assert pairs[0].en
    assert fake.made == ["cuda", "cpu"]
    assert translator.backend == "ctranslate2-int8", "the signature names what ran"
    (warning,) = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert "\n" not in warning
    assert NO_CUBLAS in warning and "CTranslate2 on the CPU" in warning
    assert "nvidia-cublas-cu12" in warning and "--backend transformers" in warning


def test_cached_lines_carry_the_engine_that_made_them_after_a_fallback(
    model, gpu_without, isolated_state, store
):
    gpu_without(NO_CUBLAS)
    translator = load_translator(model, store=store)
    translator.translate(["انتهى الاجتماع.", "وصل الوفد."])
    engines = sqlite3.connect(isolated_state).execute("SELECT DISTINCT engine FROM translations")
    assert [row[0] for row in engines] == ["ctranslate2-int8"]
    again = load_translator(model, store=store)
    again.translate(["انتهى الاجتماع.", "وصل الوفد."])
    assert (again.hits, again.translated, again.backend) == (2, 0, "ctranslate2-int8")


def test_a_full_gpu_names_another_fix(model, gpu_without, caplog):
    gpu_without(OUT_OF_MEMORY)
    with caplog.at_level(logging.WARNING, logger="digest"):
        load_translator(model)
    (warning,) = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert OUT_OF_MEMORY in warning and "free GPU memory" in warning
    assert "nvidia-cublas" not in warning


def test_naming_both_ctranslate2_and_cuda_makes_an_unusable_gpu_an_error(model, gpu_without):
    gpu_without(NO_CUBLAS)
    with pytest.raises(ModelError, match=f"CTranslate2 cannot use the GPU: {NO_CUBLAS}; install"):
        load_translator(model, "ctranslate2", device="cuda")


def test_an_unusable_gpu_goes_to_transformers_on_it_when_torch_can_use_it(
    model, gpu_without, monkeypatch
):
    gpu_without(NO_CUBLAS)
    monkeypatch.setattr(device, "torch_cuda_available", lambda: True)
    instead = fallback(plan(model), NO_CUBLAS)
    assert (instead.backend, instead.device, instead.name) == (
        "transformers",
        "cuda",
        "transformers-float16",
    )
    named = fallback(plan(model, "ctranslate2"), NO_CUBLAS)
    assert (named.backend, named.device, named.name) == ("ctranslate2", "cpu", "ctranslate2-int8")


def test_transformers_planned_on_a_gpu_that_torch_cannot_use_runs_on_the_cpu(
    model, monkeypatch, caplog
):
    import ctranslate2

    monkeypatch.setattr(ctranslate2, "get_cuda_device_count", lambda: 1)
    chosen = plan(model, "transformers")
    assert chosen.name == "transformers-float16"
    with caplog.at_level(logging.WARNING, logger="digest"):
        translator = load_translator(model, "transformers")
    assert translator.backend == "transformers-float32"
    assert translator.engine.device == "cpu"
    assert any("CPU build" in r.getMessage() for r in caplog.records)


TC_BIG = dict(layers=6, d_model=1024, vocabulary=62834, beam=4, max_length=256, width=2)


def test_gpu_batches_grow_with_free_memory_within_bounds():
    per_sentence, per_token = device.decoding_memory(**TC_BIG)
    assert 20e6 < per_sentence < 40e6, "about 28 MB per tc-big sentence in float16"
    h200 = device.gpu_budget(130 * 2**30, per_sentence, per_token)
    assert h200.sentences == device.GPU_MAX_BATCH and h200.tokens > 100_000
    small = device.gpu_budget(4 * 2**30, per_sentence, per_token)
    assert device.CPU_MAX_BATCH < small.sentences < device.GPU_MAX_BATCH
    full = device.gpu_budget(2**20, per_sentence, per_token)
    assert full == BatchBudget(), "never below a CPU batch"
    float32 = device.decoding_memory(**{**TC_BIG, "width": 4})
    assert float32[0] > per_sentence


def test_gpu_batch_reads_the_model_shape_and_falls_back_when_memory_is_unknown(
    converted, monkeypatch
):
    monkeypatch.setattr(device, "free_gpu_memory", lambda: None)
    assert device.gpu_batch(converted, Decoding(beam=4), "float16") == BatchBudget()
    monkeypatch.setattr(device, "free_gpu_memory", lambda: 64 * 2**30)
    budget = device.gpu_batch(converted, Decoding(beam=4), "float16")
    assert budget.sentences == device.GPU_MAX_BATCH
