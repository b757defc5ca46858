"""The CTranslate2 backend: the same weights converted by `digest models convert`, int8 on a CPU.

CTranslate2 runs the converted model in C++ with quantized weights: several times the speed of
transformers in float32 on a CPU, in a fraction of the memory. Tokenizing is the model's own
tokenizer (no torch is imported), so both backends see exactly the same tokens.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence

from digest.errors import ModelError
from digest.models import ResolvedModel
from digest.translate.convert import convert_command, converted_path
from digest.translate.decoding import Decoding
from digest.translate.tokenizing import input_limit, load_tokenizer

# Memory during beam search grows with source tokens times beam width (each hypothesis keeps the
# encoder output and its own decoder cache), and CTranslate2 loses little speed on sub-batches of
# this size: measured on the opus-mt-ar-en shape, 64 sentences, beam 4, sub-batches
# of 1024 source tokens held peak RSS near 430 MB where whole batches of 32 reached 520 MB.
HYPOTHESIS_TOKENS = 4096


def compute_type() -> str:
    """int8 on a CPU, float16 on a GPU; float32 where the hardware has neither."""
    import ctranslate2

    device = "cuda" if ctranslate2.get_cuda_device_count() else "cpu"
    wanted = "float16" if device == "cuda" else "int8"
    return wanted if wanted in ctranslate2.get_supported_compute_types(device) else "float32"


class CTranslate2Engine:
    backend = "ctranslate2"

    def __init__(
        self, model: ResolvedModel, threads: int | None = None, compute: str | None = None
    ) -> None:
        import ctranslate2

        self.model = model
        self.compute_type = compute or compute_type()
        folder = converted_path(model)
        device = "cuda" if ctranslate2.get_cuda_device_count() else "cpu"
        try:
            self.translator = ctranslate2.Translator(
                str(folder),
                device=device,
                compute_type=self.compute_type,
                intra_threads=threads or os.cpu_count() or 1,
            )
        except (RuntimeError, ValueError) as error:
            raise ModelError(
                f"cannot load the CTranslate2 model in {folder}: {error}; "
                f"run `{convert_command(model)}` again"
            ) from None
        self.tokenizer = load_tokenizer(model)
        self.prefix = [model.spec.target_lang] if model.spec.kind == "nllb" else None
        self.decoding = Decoding.of_model(model.path)
        config = json.loads((model.path / "config.json").read_text(encoding="utf-8"))
        self.limit = input_limit(self.tokenizer, config.get("max_position_embeddings"))

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
            max_batch_size=max(HYPOTHESIS_TOKENS // decoding.beam, 1),
            batch_type="tokens",
        )
        return [
            self.tokenizer.decode(
                self.tokenizer.convert_tokens_to_ids(result.hypotheses[0]),
                skip_special_tokens=True,
            ).strip()
            for result in results
        ]
