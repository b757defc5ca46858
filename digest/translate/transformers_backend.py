"""The Hugging Face transformers backend: MarianMT and NLLB (M2M100) through from_pretrained.

An engine: it turns a batch of Arabic strings into English with the decoding it is given.
Splitting, batching, guards and caching live above it (digest/translate/faithful.py, cache.py),
the same for every backend.

The weights are read from safetensors straight into the number format and onto the device they
run on (accelerate's ``device_map``): no float32 copy in host memory first. On a CUDA GPU that
format is float16 (both model families were trained in mixed precision, so their values fit
float16's range, and float16 keeps three more bits of mantissa than bfloat16 at the same speed on
tensor cores), decoded in batches sized from the free GPU memory; on a CPU it stays float32,
which is what CPUs compute fastest without quantizing.
"""

from __future__ import annotations

from collections.abc import Sequence

from digest.errors import ModelError
from digest.translate.decoding import Decoding
from digest.translate.device import BatchBudget, available_cores, gpu_batch
from digest.translate.models import ResolvedModel
from digest.translate.tokenizing import input_limit, load_tokenizer


class TransformersEngine:
    backend = "transformers"

    def __init__(
        self, model: ResolvedModel, threads: int | None = None, device: str = "cpu"
    ) -> None:
        import torch
        import transformers

        self.model = model
        self.torch = torch
        torch.set_num_threads(threads or available_cores())
        self.device = device
        self.compute_type = "float16" if device == "cuda" else "float32"
        self.tokenizer = load_tokenizer(model)
        network_class = (
            transformers.MarianMTModel
            if model.spec.kind == "marian"
            else transformers.M2M100ForConditionalGeneration
        )
        try:
            self.network = network_class.from_pretrained(
                model.path, dtype=getattr(torch, self.compute_type), device_map=self.device
            )
        except (OSError, ValueError) as error:
            raise ModelError(f"cannot load the model in {model.path}: {error}") from None
        self.network.eval()
        self.options: dict[str, int] = {}
        if model.spec.kind == "nllb":
            target = self.tokenizer.convert_tokens_to_ids(model.spec.target_lang)
            self.options["forced_bos_token_id"] = target
        self.decoding = Decoding.of_model(model.path)
        self.limit = input_limit(
            self.tokenizer, getattr(self.network.config, "max_position_embeddings", None)
        )
        self.budget = (
            gpu_batch(model.path, self.decoding, self.compute_type)
            if device == "cuda"
            else BatchBudget()
        )

    def lengths(self, texts: Sequence[str]) -> list[int]:
        return [len(ids) for ids in self.tokenizer(list(texts))["input_ids"]]

    def generate(self, texts: Sequence[str], decoding: Decoding) -> list[str]:
        inputs = self.tokenizer(
            list(texts), return_tensors="pt", padding=True, truncation=True, max_length=self.limit
        ).to(self.device)
        with self.torch.inference_mode():
            output = self.network.generate(
                **inputs,
                **self.options,
                num_beams=decoding.beam,
                max_length=decoding.max_length,
                min_length=decoding.min_length,
                repetition_penalty=decoding.repetition_penalty,
                no_repeat_ngram_size=decoding.no_repeat_ngram,
            )
        return [
            text.strip() for text in self.tokenizer.batch_decode(output, skip_special_tokens=True)
        ]
