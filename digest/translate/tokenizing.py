"""The model's own tokenizer, shared by both backends.

The concrete classes are named (MarianTokenizer, NllbTokenizer) rather than AutoTokenizer:
AutoTokenizer imports torch, which would cost the CTranslate2 backend ~200 MB and two seconds
for nothing.
"""

from __future__ import annotations

from digest.errors import ModelError
from digest.translate.models import ResolvedModel


def load_tokenizer(model: ResolvedModel):
    import transformers

    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    spec = model.spec
    try:
        if spec.kind == "marian":
            return transformers.MarianTokenizer.from_pretrained(model.path)
        tokenizer = transformers.NllbTokenizer.from_pretrained(
            model.path, src_lang=spec.source_lang
        )
    except (OSError, ValueError, TypeError) as error:
        raise ModelError(f"cannot load the tokenizer in {model.path}: {error}") from None
    target = tokenizer.convert_tokens_to_ids(spec.target_lang)
    if target is None or target == tokenizer.unk_token_id:
        raise ModelError(f"{model.path}: the tokenizer has no {spec.target_lang} language token")
    return tokenizer


def input_limit(tokenizer, positions: int | None) -> int:
    """Longest input, in tokens, that the model takes without truncating."""
    positions = positions or 512
    declared = tokenizer.model_max_length
    return min(positions, declared) if declared and declared < 10**6 else positions
