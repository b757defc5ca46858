"""What of each model is on this machine now, for `digest models list` and `verify`; never
downloads."""

from __future__ import annotations

from pathlib import Path

from digest.errors import ModelError
from digest.translate.convert import conversion, conversion_state, convert_command, converted_path
from digest.translate.models import (
    Lock,
    ModelSpec,
    ResolvedModel,
    cached,
    from_model_dir,
    model_folders,
    sha256,
    verify,
)


def presence(spec: ModelSpec, model_dir: Path | None) -> str:
    """Where a model would be loaded from right now, and its conversion, for `digest models list`."""
    try:
        model = located(spec, model_dir)
    except ModelError as error:
        return f"unusable: {error}"
    if model is None:
        return "not present"
    where = f"model-dir ({model.path})" if model.origin == "model-dir" else "hf-cache"
    state = conversion_state(model)
    return where if state == "absent" else f"{where}; CTranslate2 conversion {state}"


def located(spec: ModelSpec, model_dir: Path | None) -> ResolvedModel | None:
    """The model as it is on this machine now, or None; never downloads."""
    folders = model_folders(model_dir) if model_dir is not None else {}
    if spec.name in folders:
        return from_model_dir(folders[spec.name], spec.name, Lock(spec.name, (spec,)))
    folder = cached(spec)
    return ResolvedModel(spec=spec, path=folder, origin="hf-cache") if folder else None


def unlisted(model_dir: Path | None, lock: Lock) -> list[ResolvedModel]:
    """The models in ``--model-dir`` under names models.lock does not have (a model folder
    pointed at directly, say), so that list and verify show everything --model-dir holds."""
    folders = model_folders(model_dir) if model_dir is not None else {}
    names = {spec.name for spec in lock.models}
    return [from_model_dir(f, None, lock) for name, f in folders.items() if name not in names]


def verify_present(spec: ModelSpec, model: ResolvedModel | None) -> list[str]:
    """Lines describing what of this model is here and whether its hashes hold.

    Raises ModelError on the first file whose hash differs from models.lock or from the record
    of its conversion.
    """
    if model is None:
        return ["not present"]
    if spec.files:
        verify(spec, model.path)
        lines = [f"{model.path}: {len(spec.files)} file(s) match models.lock"]
    else:
        lines = [f"{model.path}: models.lock records no hashes (run `digest models lock`)"]
    record = conversion(model)
    if record is not None:
        folder = converted_path(model)
        for name, expected in sorted(record.get("files", {}).items()):
            path = folder / name
            if not path.is_file() or sha256(path) != expected:
                raise ModelError(
                    f"{spec.name}: {path} is missing or differs from its conversion record; "
                    f"run `{convert_command(model)}` again"
                )
        state = conversion_state(model)
        lines.append(f"{folder}: {record.get('quantization')} conversion, files match ({state})")
    return lines
