"""The CTranslate2 backend: the same weights converted by `digest models convert`, int8 on a CPU,
float16 on a GPU.

CTranslate2 runs the converted model in C++ with quantized weights: several times the speed of
transformers in float32 on a CPU, in a fraction of the memory. Tokenizing is the model's own
tokenizer (no torch is imported), so both backends see exactly the same tokens.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace

from digest.errors import DigestError, ModelError, first_line
from digest.translate.convert import conversion, convert_command, converted_path
from digest.translate.decoding import Decoding
from digest.translate.device import BatchBudget, gpu_batch, thread_split
from digest.translate.models import ResolvedModel
from digest.translate.tokenizing import input_limit, load_tokenizer

# Memory during beam search grows with source tokens times beam width (each hypothesis keeps the
# encoder output and its own decoder cache), and CTranslate2 loses little speed on sub-batches of
# this size: measured on the opus-mt-ar-en shape, 64 sentences, beam 4, sub-batches
# of 1024 source tokens held peak RSS near 430 MB where whole batches of 32 reached 520 MB.
HYPOTHESIS_TOKENS = 4096
# With parallel batches each worker's sub-batches are half that: 16 cores (8 workers) hold four
# times what 2 cores hold, about the 16 sentences per batch issue 15 measured 16 cores with.
WORKER_HYPOTHESIS_TOKENS = HYPOTHESIS_TOKENS // 2
# On a GPU the sub-batch is the whole batch the card takes (digest/translate/device.py).
GPU_HYPOTHESIS_TOKENS = 1 << 20
PROBE = "."


class GpuUnusable(DigestError):
    """CTranslate2 sees a GPU but cannot run on it (CUDA libraries missing, no memory)."""

    def __init__(self, cause: str) -> None:
        super().__init__(cause)
        self.cause = cause


def compute_type(device: str = "cpu", quantization: str = "int8") -> str:
    """The number format the converted weights run in: what they were converted to where the
    device computes it (int8 weights stay int8 on a CPU, a float16 conversion is not quantized
    behind the user's back), float16 on a GPU for every conversion but bfloat16, and float32
    where the hardware has nothing better."""
    import ctranslate2

    if device == "cuda":
        wanted = "bfloat16" if quantization == "bfloat16" else "float16"
    else:
        wanted = "int8" if quantization in ("int8", "int8_float16") else quantization
    try:
        supported = ctranslate2.get_supported_compute_types(device)
    except (RuntimeError, ValueError):
        supported = set()
    return wanted if wanted in supported else "float32"


def quantization_of(model: ResolvedModel) -> str:
    """What `digest models convert` converted the weights to (int8 unless it says otherwise)."""
    return str((conversion(model) or {}).get("quantization", "int8"))


class CTranslate2Engine:
    backend = "ctranslate2"

    def __init__(
        self,
        model: ResolvedModel,
        threads: int | None = None,
        compute: str | None = None,
        device: str = "cpu",
    ) -> None:
        import ctranslate2

        self.model = model
        self.device = device
        self.compute_type = compute or compute_type(device, quantization_of(model))
        self.split = thread_split(threads)
        folder = converted_path(model)
        try:
            self.translator = ctranslate2.Translator(
                str(folder),
                device=device,
                compute_type=self.compute_type,
                inter_threads=self.split.inter if device == "cpu" else 1,
                intra_threads=self.split.intra,
            )
        except (RuntimeError, ValueError) as error:
            if device == "cuda":
                raise GpuUnusable(first_line(error)) from None
            raise ModelError(
                f"cannot load the CTranslate2 model in {folder}: {first_line(error)}; "
                f"run `{convert_command(model)}` again"
            ) from None
        self.tokenizer = load_tokenizer(model)
        self.prefix = [model.spec.target_lang] if model.spec.kind == "nllb" else None
        self.decoding = Decoding.of_model(model.path)
        config = json.loads((model.path / "config.json").read_text(encoding="utf-8"))
        self.limit = input_limit(self.tokenizer, config.get("max_position_embeddings"))
        if device == "cuda":
            self.hypothesis_tokens = GPU_HYPOTHESIS_TOKENS
            self.probe()
            self.budget = gpu_batch(model.path, self.decoding, self.compute_type)
        else:
            # Enough sub-batches in one call for every parallel worker to have one.
            self.budget = BatchBudget(
                tokens=BatchBudget().tokens * self.split.inter,
                sentences=BatchBudget().sentences * self.split.inter,
            )
            self.hypothesis_tokens = (
                HYPOTHESIS_TOKENS if self.split.inter == 1 else WORKER_HYPOTHESIS_TOKENS
            )

    def probe(self) -> None:
        """Translate one short input: the first use of a GPU is where missing CUDA libraries
        (``libcublas.so.12 is not found``) and a full card show up, and better here than
        halfway through a build."""
        try:
            self.generate([PROBE], replace(self.decoding, beam=1, max_length=4))
        except (RuntimeError, ValueError, OSError) as error:
            raise GpuUnusable(first_line(error)) from None

    def sub_batch(self, tokens: list[list[str]], beam: int) -> int:
        """Source tokens per sub-batch: bounded for memory, and on a CPU small enough that every
        parallel worker gets a share of the call."""
        size = self.hypothesis_tokens // beam
        if self.device == "cpu" and self.split.inter > 1:
            size = min(size, -(-sum(map(len, tokens)) // self.split.inter))
        return max(size, 1)

    def lengths(self, texts: Sequence[str]) -> list[int]:
        return [len(ids) for ids in self.tokenizer(list(texts))["input_ids"]]

    def generate(self, texts: Sequence[str], decoding: Decoding) -> list[str]:
        tokens = [
            self.tokenizer.convert_ids_to_tokens(ids)
            for ids in self.tokenizer(list(texts))["input_ids"]
        ]
        results = self.translator.translate_batch(
            tokens,
            target_prefix=[self.prefix] * len(tokens) if self.prefix else None,
            beam_size=decoding.beam,
            max_decoding_length=decoding.max_length - 1,
            min_decoding_length=max(decoding.min_length - 1, 0),
            repetition_penalty=decoding.repetition_penalty,
            no_repeat_ngram_size=decoding.no_repeat_ngram,
            max_input_length=0,
            max_batch_size=self.sub_batch(tokens, decoding.beam),
            batch_type="tokens",
        )
        return [
            self.tokenizer.decode(
                self.tokenizer.convert_tokens_to_ids(result.hypotheses[0]),
                skip_special_tokens=True,
            ).strip()
            for result in results
        ]
