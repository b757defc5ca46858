"""The Hugging Face transformers backend: MarianMT and NLLB (M2M100) through from_pretrained.

Sentences are sorted by length and batched by token count, so a batch pads little and one long
sentence does not make every batch slow; results go back in input order. Beam width and length
limits come from the model's own generation config, as its authors tuned them.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence

from tqdm import tqdm

from digest.errors import ModelError
from digest.models import ResolvedModel
from digest.news import Bilingual

BATCH_TOKENS = 2048
MAX_BATCH = 32
PROGRESS_OVER = 8


class TransformersTranslator:
    backend = "transformers"

    def __init__(self, model: ResolvedModel) -> None:
        import torch
        import transformers

        transformers.logging.set_verbosity_error()
        transformers.logging.disable_progress_bar()
        self.model = model
        self.torch = torch
        self.device = "cuda" if torch.cuda.is_available() else "cpu"
        spec = model.spec
        try:
            if spec.kind == "marian":
                self.tokenizer = transformers.MarianTokenizer.from_pretrained(model.path)
                self.network = transformers.MarianMTModel.from_pretrained(model.path)
                self.generate_options: dict[str, int] = {}
            else:
                self.tokenizer = transformers.AutoTokenizer.from_pretrained(
                    model.path, src_lang=spec.source_lang
                )
                self.network = transformers.AutoModelForSeq2SeqLM.from_pretrained(model.path)
                target = self.tokenizer.convert_tokens_to_ids(spec.target_lang)
                if target is None or target == self.tokenizer.unk_token_id:
                    raise ModelError(
                        f"{model.path}: the tokenizer has no {spec.target_lang} language token"
                    )
                self.generate_options = {"forced_bos_token_id": target}
        except (OSError, ValueError) as error:
            raise ModelError(f"cannot load the model in {model.path}: {error}") from None
        self.network.to(self.device).eval()
        self.limit = self.input_limit()

    def input_limit(self) -> int:
        """Longest input, in tokens, that the model takes without truncating."""
        positions = getattr(self.network.config, "max_position_embeddings", None) or 512
        declared = self.tokenizer.model_max_length
        return min(positions, declared) if declared and declared < 10**6 else positions

    def translate(self, sentences: Sequence[str]) -> list[Bilingual]:
        if not sentences:
            return []
        lengths = [len(ids) for ids in self.tokenizer(list(sentences))["input_ids"]]
        order = sorted(range(len(sentences)), key=lambda i: lengths[i])
        results: dict[int, str] = {}
        with tqdm(
            total=len(sentences),
            desc="translating",
            unit="sentence",
            file=sys.stderr,
            disable=len(sentences) <= PROGRESS_OVER,
        ) as progress:
            for batch in self.batches(order, lengths):
                texts = [sentences[i] for i in batch]
                for i, text in zip(batch, self.generate(texts), strict=True):
                    results[i] = text
                progress.update(len(batch))
        return [
            Bilingual(ar=text, en=results[i], review=self.review(lengths[i]))
            for i, text in enumerate(sentences)
        ]

    def review(self, length: int) -> str | None:
        if length > self.limit:
            return f"source is {length} tokens, over the model's {self.limit}: translated in part"
        return None

    def batches(self, order: list[int], lengths: list[int]) -> Iterator[list[int]]:
        batch: list[int] = []
        for i in order:
            width = min(lengths[i], self.limit)
            if batch and (len(batch) == MAX_BATCH or width * (len(batch) + 1) > BATCH_TOKENS):
                yield batch
                batch = []
            batch.append(i)
        if batch:
            yield batch

    def generate(self, texts: list[str]) -> list[str]:
        inputs = self.tokenizer(
            texts, return_tensors="pt", padding=True, truncation=True, max_length=self.limit
        ).to(self.device)
        with self.torch.inference_mode():
            output = self.network.generate(**inputs, **self.generate_options)
        return [
            text.strip() for text in self.tokenizer.batch_decode(output, skip_special_tokens=True)
        ]
