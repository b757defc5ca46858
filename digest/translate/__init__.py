"""Translation: one protocol, backends behind it, a cache in front.

Backends import their heavy libraries (torch, transformers, ctranslate2) only when a model is
loaded, so the CLI, ingestion and rendering start fast and run on machines without them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from digest.engines import BACKENDS
from digest.errors import ModelError, UsageError
from digest.news import Bilingual
from digest.state.store import Store
from digest.translate.convert import conversion_state, convert_command
from digest.translate.device import check_device, gpu_count, no_gpu
from digest.translate.models import ResolvedModel

log = logging.getLogger(__name__)


class Translator(Protocol):
    """Arabic sentences in, English out, one result per input, in input order."""

    model: ResolvedModel
    backend: str

    def translate(self, sentences: Sequence[str]) -> list[Bilingual]: ...


@dataclass(frozen=True)
class Plan:
    """Which engine a build means to use, known before anything heavy is imported.

    ``requested`` keeps what the user asked for (backend and device), so that when the GPU
    turns out unusable at load time the fallback knows what it may change."""

    model: ResolvedModel
    backend: str
    device: str
    compute_type: str
    requested: tuple[str, str] = ("auto", "auto")

    @property
    def name(self) -> str:
        """The backend and its number format, e.g. ctranslate2-int8: what the cache and the
        issue signature name."""
        return f"{self.backend}-{self.compute_type}"


def choose_backend(model: ResolvedModel, backend: str = "auto") -> str:
    """``auto`` is CTranslate2 when a current conversion of the model is here, else transformers."""
    if backend not in BACKENDS:
        raise UsageError(f"unknown backend {backend!r}; use one of {', '.join(BACKENDS)}")
    state = conversion_state(model)
    if backend == "auto":
        if state == "stale":
            log.warning(
                "the CTranslate2 conversion of %s was made from other files; using transformers "
                "(run `%s` to convert again)",
                model.spec.name,
                convert_command(model),
            )
        return "ctranslate2" if state == "current" else "transformers"
    if backend == "ctranslate2" and state != "current":
        made = "is out of date" if state == "stale" else "is not here"
        raise ModelError(
            f"the CTranslate2 conversion of {model.spec.name} {made}; run "
            f"`{convert_command(model)}`, or pass --backend transformers"
        )
    return backend


def plan(model: ResolvedModel, backend: str = "auto", device: str = "auto") -> Plan:
    """The engine for this model on this machine: a GPU when there is one (as CTranslate2's
    driver query sees it), float16 there, int8 (CTranslate2) or float32 (transformers) on a CPU.

    Only ``--device cuda`` asks torch whether it can use the GPU, since only then is a wrong
    guess an error rather than a fallback at load time."""
    chosen = choose_backend(model, backend)
    check_device(device)
    if device == "cuda" and chosen == "transformers":
        from digest.translate.device import torch_cuda_available

        if not torch_cuda_available():
            raise no_gpu("torch")
    elif device == "cuda" and not gpu_count():
        raise no_gpu("CTranslate2")
    where = device if device != "auto" else ("cuda" if gpu_count() else "cpu")
    if chosen == "ctranslate2":
        from digest.translate.ctranslate2_backend import compute_type, quantization_of

        number = compute_type(where, quantization_of(model))
    else:
        number = "float16" if where == "cuda" else "float32"
    return Plan(model, chosen, where, number, requested=(backend, device))


def load_engine(chosen: Plan, threads: int | None = None):
    """The loaded engine; CTranslate2 on a GPU is probed first and falls back (with one warning
    line) when CUDA cannot be used, so it never crashes a build halfway."""
    if chosen.backend == "ctranslate2":
        from digest.translate.ctranslate2_backend import CTranslate2Engine, GpuUnusable

        try:
            return CTranslate2Engine(chosen.model, threads, chosen.compute_type, chosen.device)
        except GpuUnusable as unusable:
            return load_engine(fallback(chosen, unusable.cause), threads)
    from digest.translate.device import torch_cuda_available
    from digest.translate.transformers_backend import TransformersEngine

    if chosen.device == "cuda" and not torch_cuda_available():
        log.warning(
            "torch cannot use the GPU that CTranslate2 sees (is this torch a CPU build?); "
            "translating on the CPU"
        )
        chosen = replace(chosen, device="cpu", compute_type="float32")
    return TransformersEngine(chosen.model, threads, chosen.device)


def fallback(failed: Plan, cause: str) -> Plan:
    """Where CTranslate2 goes when its GPU probe fails: transformers on the GPU when torch can
    use it (float16 there is far faster than any CPU) and the backend was not named; else
    CTranslate2 on the CPU. Naming both --backend ctranslate2 and --device cuda makes it an
    error, since neither may change."""
    from digest.translate.ctranslate2_backend import compute_type, quantization_of
    from digest.translate.device import torch_cuda_available

    backend, device = failed.requested
    fix = gpu_fix(cause)
    if backend == "ctranslate2" and device == "cuda":
        raise ModelError(f"CTranslate2 cannot use the GPU: {cause}; {fix}")
    if backend != "ctranslate2" and torch_cuda_available():
        instead = replace(failed, backend="transformers", compute_type="float16")
        where = "transformers on the GPU"
    elif device == "cuda":
        raise ModelError(f"CTranslate2 cannot use the GPU: {cause}; {fix}")
    else:
        instead = replace(
            failed, device="cpu", compute_type=compute_type("cpu", quantization_of(failed.model))
        )
        where = "CTranslate2 on the CPU"
    log.warning("CTranslate2 cannot use the GPU (%s); translating with %s: %s", cause, where, fix)
    return instead


def gpu_fix(cause: str) -> str:
    """What to do about a failed GPU probe: the missing CUDA 12 libraries are the common case
    (CTranslate2's wheels link CUDA 12, a CUDA 13 machine has other ones)."""
    if "lib" in cause and ("cannot be loaded" in cause or "not found" in cause):
        return (
            "install CUDA 12's cuBLAS and cuDNN (pip install nvidia-cublas-cu12 "
            "nvidia-cudnn-cu12) for CTranslate2 on the GPU, or pass --backend transformers"
        )
    return "free GPU memory or pass --device cpu, or --backend transformers"


def load_translator(
    model: ResolvedModel,
    backend: str = "auto",
    threads: int | None = None,
    store: Store | None = None,
    device: str = "auto",
) -> Translator:
    """The translator for a whole run: guarded, cached in ``store`` (uncached without one), the
    model loaded once and only if needed."""
    from digest.translate.cache import CachedTranslator
    from digest.translate.faithful import GuardedTranslator

    chosen = plan(model, backend, device)
    if store is None:
        return GuardedTranslator(load_engine(chosen, threads))
    return CachedTranslator(
        model, chosen.name, lambda: GuardedTranslator(load_engine(chosen, threads)), store
    )
