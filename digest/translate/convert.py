"""CTranslate2 conversions of the models: where they live, whether they are current, making them.

A conversion is written aside and moved into place with a record of what it was made from
(``digest-convert.json``), so a reader never sees half a model and a conversion made from other
files than those now in the model folder is known to be stale.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from digest.errors import ModelError, first_line
from digest.translate.models import ResolvedModel, hashes

CONVERTED = "ctranslate2"
CONVERT_RECORD = "digest-convert.json"
QUANTIZATIONS = ("int8", "int8_float32", "int8_float16", "int16", "float16", "bfloat16", "float32")


def store_root() -> Path:
    """Where digest keeps what it makes from Hub models (their CTranslate2 conversions), so the
    Hugging Face cache stays exactly as the Hub left it."""
    base = os.environ.get("XDG_DATA_HOME", "").strip() or Path.home() / ".local" / "share"
    return Path(base) / "digest" / "models"


def converted_path(model: ResolvedModel) -> Path:
    """The CTranslate2 conversion of a model: inside a --model-dir model's own folder, else in
    the store under the model's name and snapshot commit."""
    if model.origin == "model-dir":
        return model.path / CONVERTED
    return store_root() / model.spec.name / model.revision / CONVERTED


def convert_command(model: ResolvedModel) -> str:
    """The command that converts this very model, for error messages."""
    if model.origin == "model-dir":
        return f"digest models convert --model-dir {model.path}"
    return f"digest models convert {model.spec.name}"


def conversion(model: ResolvedModel) -> dict[str, Any] | None:
    """The record `convert` left beside a converted model, or None when there is none."""
    try:
        return json.loads((converted_path(model) / CONVERT_RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def conversion_state(model: ResolvedModel) -> str:
    """absent, stale (made from other files than those now in the model folder) or current."""
    record = conversion(model)
    if record is None:
        return "absent"
    return "current" if record.get("source_revision") == model.revision else "stale"


def convert(model: ResolvedModel, quantization: str = "int8") -> Path:
    """Convert with CTranslate2's own converter, aside, then move into place: a reader never sees
    half a model, and an earlier conversion stays until the new one is complete."""
    if quantization not in QUANTIZATIONS:
        raise ModelError(
            f"unknown quantization {quantization!r}; use one of {', '.join(QUANTIZATIONS)}"
        )
    import ctranslate2
    import transformers
    from ctranslate2.converters import TransformersConverter

    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    target = converted_path(model)
    aside = target.with_name(f"{target.name}.partial-{os.getpid()}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        TransformersConverter(str(model.path)).convert(
            str(aside), quantization=quantization, force=True
        )
    except Exception as error:  # the converter raises anything from OSError to KeyError
        shutil.rmtree(aside, ignore_errors=True)
        reason = first_line(error)
        raise ModelError(f"cannot convert {model.spec.name} in {model.path}: {reason}") from None
    record = {
        "model": model.spec.name,
        "source_revision": model.revision,
        "quantization": quantization,
        "ctranslate2": ctranslate2.__version__,
        "files": hashes(aside),
    }
    (aside / CONVERT_RECORD).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    old = target.with_name(f"{target.name}.old-{os.getpid()}")
    if target.exists():
        target.rename(old)
    aside.rename(target)
    shutil.rmtree(old, ignore_errors=True)
    return target
