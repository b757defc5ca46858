"""Where a model runs and in which number format, decided from the hardware the process has.

A newsroom's GPU and an analyst's laptop want different things: on a CPU, float32 for
transformers and int8 for CTranslate2, batches of a few thousand tokens, and the cores split
between parallel batches; on a CUDA GPU, float16 and batches of hundreds of sentences sized from
the memory that is free. Everything here is cheap to call: the plan for a build (and so the cache
key it looks up) is known without importing torch or loading a model.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from digest.engines import DEVICES, available_cores
from digest.errors import UsageError

if TYPE_CHECKING:
    from digest.translate.decoding import Decoding

# CPU batches: what faithful.batches has always used on a CPU.
CPU_BATCH_TOKENS = 2048
CPU_MAX_BATCH = 32
# Two threads per batch, as many parallel batches as pairs of cores. On 16 cores CTranslate2
# ran 8 x 2 as fast as 16 x 1 and three times 1 x 16 (2,590, 2,596 and 861 tokens/s, issue 15);
# on 2 cores 2 x 1 ran 0.76 and 1.04 times 1 x 2 in two runs of paired passes and held 80 to
# 120 MB more (BENCHMARKS.md). Pairs keep the speed of single-thread batches with half as many
# batches in memory.
THREADS_PER_BATCH = 2

# GPU batches: a share of the free memory (the rest is for the allocator's fragmentation and
# whatever else runs on the card), never fewer sentences than a CPU batch, and at most 512
# sentences: on an H200 one batch of 256 gave 20,109 tokens/s against 6,218 for 64 (tc-big shape,
# float16, issue 15), and a batch much larger only delays the first results.
GPU_MEMORY_SHARE = 0.5
GPU_MAX_BATCH = 512


@dataclass(frozen=True)
class BatchBudget:
    """How much one call of an engine's ``generate`` may take: padded source tokens and
    sentences."""

    tokens: int = CPU_BATCH_TOKENS
    sentences: int = CPU_MAX_BATCH


@dataclass(frozen=True)
class ThreadSplit:
    """CPU cores as parallel batches (``inter``) times threads inside each (``intra``)."""

    inter: int
    intra: int


def thread_split(threads: int | None = None) -> ThreadSplit:
    """``threads`` (default: every available core) as parallel batches of two threads each: one
    batch on both cores of a 2-core machine, as before; 8 batches of 2 on 16 cores."""
    total = threads or available_cores()
    if total < 2 * THREADS_PER_BATCH:
        return ThreadSplit(inter=1, intra=total)
    return ThreadSplit(inter=total // THREADS_PER_BATCH, intra=THREADS_PER_BATCH)


def check_device(device: str) -> str:
    if device not in DEVICES:
        raise UsageError(f"--device must be one of {', '.join(DEVICES)}, got {device!r}")
    return device


def gpu_count() -> int:
    """CUDA devices as CTranslate2 sees them: a cheap look at the driver that imports no torch
    and loads no CUDA library (so it says nothing about whether cuBLAS is there)."""
    try:
        import ctranslate2

        return ctranslate2.get_cuda_device_count()
    except (ImportError, RuntimeError, OSError):
        return 0


def torch_cuda_available() -> bool:
    import torch

    return torch.cuda.is_available()


def no_gpu(backend: str) -> UsageError:
    return UsageError(
        f"--device cuda: {backend} finds no usable CUDA GPU on this machine; "
        "use --device cpu (or auto)"
    )


def gpu_budget(free_bytes: int, bytes_per_sentence: int, bytes_per_token: int) -> BatchBudget:
    """The batch that fits in a share of the free GPU memory, in sentences and source tokens."""
    usable = int(free_bytes * GPU_MEMORY_SHARE)
    sentences = max(CPU_MAX_BATCH, min(GPU_MAX_BATCH, usable // max(bytes_per_sentence, 1)))
    tokens = max(CPU_BATCH_TOKENS, usable // max(bytes_per_token, 1))
    return BatchBudget(tokens=tokens, sentences=sentences)


def decoding_memory(
    layers: int, d_model: int, vocabulary: int, beam: int, max_length: int, width: int
) -> tuple[int, int]:
    """Bytes one sentence and one source token take during beam search, at ``width`` bytes per
    number: each hypothesis keeps a key and a value per decoder layer for every output position
    (self-attention) and every source position (cross-attention), and scores the vocabulary in
    float32 at each step (a few copies: logits, log-probabilities, the top-k)."""
    per_position = 2 * layers * d_model * width * beam
    per_sentence = per_position * max_length + 3 * vocabulary * 4 * beam
    per_token = per_position + d_model * width * 4
    return per_sentence, per_token


WIDTHS = {"float32": 4, "float16": 2, "bfloat16": 2, "int8_float16": 2, "int8": 1}


def free_gpu_memory() -> int | None:
    """Free bytes on the first GPU: torch's count where torch can use CUDA, else the driver's
    through nvidia-smi; None when neither answers."""
    try:
        import torch

        if torch.cuda.is_available():
            return torch.cuda.mem_get_info()[0]
    except (ImportError, RuntimeError):
        pass
    try:
        answer = subprocess.run(
            ["nvidia-smi", "--query-gpu=memory.free", "--format=csv,noheader,nounits"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
        return int(answer.stdout.split()[0]) * 1024 * 1024
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        return None


def gpu_batch(folder: Path, decoding: Decoding, number_format: str) -> BatchBudget:
    """The batch for this model on the GPU, from its shape and the memory free now (a CPU-sized
    batch when the free memory cannot be read)."""
    free = free_gpu_memory()
    if free is None:
        return BatchBudget()
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    per_sentence, per_token = decoding_memory(
        layers=int(config.get("decoder_layers") or config.get("num_hidden_layers") or 6),
        d_model=int(config.get("d_model") or config.get("hidden_size") or 512),
        vocabulary=int(config.get("vocab_size") or 65000),
        beam=decoding.beam,
        max_length=decoding.max_length,
        width=WIDTHS.get(number_format, 4),
    )
    return gpu_budget(free, per_sentence, per_token)
