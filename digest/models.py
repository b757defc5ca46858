"""Which translation model to use, and where its files are.

models.lock names the models and pins their revisions. A model is looked for, in order, in
``--model-dir`` / ``DIGEST_MODEL_DIR``, in the local Hugging Face cache, and on the Hub (never
when ``HF_HUB_OFFLINE=1``). A model that cannot be had is a ModelError that names the fix, raised
before anything slow happens.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from digest.errors import ModelError
from digest.resources import bundled

KINDS = ("marian", "nllb")
MODEL_TYPES = {"marian": "marian", "m2m_100": "nllb"}
LANGUAGES = {"marian": ("ar", "en"), "nllb": ("arb_Arab", "eng_Latn")}
MODEL_FILES = ["*.json", "*.spm", "*.model", "*.safetensors"]
FALLBACK_WEIGHTS = "pytorch_model.bin"
COMMIT = re.compile(r"[0-9a-f]{40}")
CONVERTED = "ctranslate2"
CONVERT_RECORD = "digest-convert.json"
QUANTIZATIONS = ("int8", "int8_float32", "int8_float16", "int16", "float16", "bfloat16", "float32")


@dataclass(frozen=True)
class ModelSpec:
    """A model as models.lock describes it."""

    name: str
    hub_id: str | None
    revision: str
    kind: str
    source_lang: str
    target_lang: str
    files: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    @property
    def pinned(self) -> bool:
        return bool(COMMIT.fullmatch(self.revision))


@dataclass(frozen=True)
class Lock:
    default: str
    models: tuple[ModelSpec, ...]

    def get(self, name: str) -> ModelSpec:
        for spec in self.models:
            if spec.name == name:
                return spec
        known = ", ".join(spec.name for spec in self.models)
        raise ModelError(f"unknown model {name!r}; models.lock has {known}")


@dataclass(frozen=True)
class ResolvedModel:
    """A model whose files are in a local folder, ready to load."""

    spec: ModelSpec
    path: Path
    origin: str

    @property
    def revision(self) -> str:
        """What exactly is loaded: the snapshot's commit for a Hub model (models.lock may name a
        branch), the folder fingerprint for a --model-dir model."""
        return self.spec.revision if self.origin == "model-dir" else self.path.name


def read_lock(path: Path | None = None) -> Lock:
    path = path or bundled("models.lock")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ModelError(f"cannot read {path}: {error}") from None
    models = []
    for name, table in data.get("models", {}).items():
        try:
            spec = ModelSpec(
                name=name,
                hub_id=table["hub_id"],
                revision=table["revision"],
                kind=table["kind"],
                source_lang=table["source_lang"],
                target_lang=table["target_lang"],
                files=dict(table.get("files", {})),
            )
        except KeyError as missing:
            raise ModelError(f"{path}: model {name!r} has no {missing.args[0]}") from None
        if spec.kind not in KINDS:
            raise ModelError(f"{path}: model {name!r} has kind {spec.kind!r}; use one of {KINDS}")
        models.append(spec)
    lock = Lock(default=data.get("default", ""), models=tuple(models))
    lock.get(lock.default)
    return lock


def hub_offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().upper() in {"1", "ON", "YES", "TRUE"}


def kind_of(folder: Path) -> str:
    """marian or nllb, from the folder's config.json: the files decide, not the name."""
    try:
        model_type = json.loads((folder / "config.json").read_text(encoding="utf-8"))["model_type"]
    except (OSError, ValueError, KeyError) as error:
        raise ModelError(f"{folder}/config.json is not a model config ({error})") from None
    if model_type not in MODEL_TYPES:
        raise ModelError(
            f"{folder} holds a {model_type!r} model; digest runs MarianMT and NLLB (M2M100) models"
        )
    return MODEL_TYPES[model_type]


def folder_revision(folder: Path) -> str:
    """A short fingerprint of a local model folder, standing in for a hub revision."""
    digest = hashlib.sha256((folder / "config.json").read_bytes())
    for item in sorted(folder.iterdir()):
        if item.is_file():
            digest.update(f"{item.name}:{item.stat().st_size}".encode())
    return "local-" + digest.hexdigest()[:12]


def from_model_dir(model_dir: Path, name: str | None, lock: Lock) -> ResolvedModel:
    if (model_dir / "config.json").is_file():
        folder = model_dir
    elif name and (model_dir / name / "config.json").is_file():
        folder = model_dir / name
    else:
        wanted = f" or in {model_dir / name}" if name else ""
        raise ModelError(
            f"no model in {model_dir}: expected config.json there{wanted}; "
            "point --model-dir at a downloaded model folder"
        )
    kind = kind_of(folder)
    if name:
        spec = lock.get(name)
        if spec.kind != kind:
            raise ModelError(f"{folder} holds a {kind} model but {name} is a {spec.kind} model")
        spec = ModelSpec(
            name=spec.name,
            hub_id=spec.hub_id,
            revision=folder_revision(folder),
            kind=kind,
            source_lang=spec.source_lang,
            target_lang=spec.target_lang,
        )
    else:
        source_lang, target_lang = LANGUAGES[kind]
        spec = ModelSpec(
            name=folder.name,
            hub_id=None,
            revision=folder_revision(folder),
            kind=kind,
            source_lang=source_lang,
            target_lang=target_lang,
        )
    return ResolvedModel(spec=spec, path=folder, origin="model-dir")


def cached(spec: ModelSpec) -> Path | None:
    """The model's snapshot folder in the local Hugging Face cache, if it is there."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        folder = Path(snapshot_download(spec.hub_id, revision=spec.revision, local_files_only=True))
    except (LocalEntryNotFoundError, OSError, ValueError):
        return None
    return folder if (folder / "config.json").is_file() else None


def missing_fix(name: str) -> str:
    return (
        f"run `digest models pull {name}` on a connected machine, "
        "or pass --model-dir (or set DIGEST_MODEL_DIR) to a downloaded model folder"
    )


def pull(spec: ModelSpec) -> Path:
    """Download the pinned revision into the Hugging Face cache and check known file hashes.

    Only what loading needs is fetched: the files models.lock lists or, before they are recorded,
    configs, tokenizers and one copy of the weights (safetensors where the repository has them).
    """
    from huggingface_hub import HfApi, snapshot_download

    if hub_offline():
        raise ModelError(
            f"cannot download {spec.name}: HF_HUB_OFFLINE=1 is set; unset it on a connected "
            "machine, or pass --model-dir to a downloaded model folder"
        )
    try:
        if spec.files:
            patterns = sorted(spec.files)
        else:
            info = HfApi().model_info(spec.hub_id, revision=spec.revision)
            names = [sibling.rfilename for sibling in info.siblings or []]
            safetensors = any(name.endswith(".safetensors") for name in names)
            patterns = MODEL_FILES + ([] if safetensors else [FALLBACK_WEIGHTS])
        folder = Path(
            snapshot_download(spec.hub_id, revision=spec.revision, allow_patterns=patterns)
        )
    except Exception as error:  # any network or Hub failure: one actionable line, not a traceback
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise ModelError(
            f"cannot download {spec.name} from the Hub ({reason}); {missing_fix(spec.name)}"
        ) from None
    verify(spec, folder)
    return folder


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(spec: ModelSpec, folder: Path) -> None:
    """Every file models.lock gives a hash for must be present and match it."""
    for name, expected in sorted(spec.files.items()):
        path = folder / name
        if not path.is_file():
            raise ModelError(f"{spec.name}: {name} is missing from {folder}; pull the model again")
        actual = sha256(path)
        if actual != expected:
            raise ModelError(
                f"{spec.name}: {name} has sha256 {actual}, models.lock expects {expected}; "
                "the download is corrupt or not the pinned revision: pull the model again"
            )


def resolve(name: str | None, model_dir: Path | None, lock: Lock | None = None) -> ResolvedModel:
    """Find the model's files locally, or fetch them from the Hub when that is allowed."""
    lock = lock or read_lock()
    if model_dir is not None:
        return from_model_dir(model_dir, name, lock)
    spec = lock.get(name or lock.default)
    folder = cached(spec)
    if folder is not None:
        verify(spec, folder)
        return ResolvedModel(spec=spec, path=folder, origin="hf-cache")
    if hub_offline():
        raise ModelError(
            f"model {spec.name} is not on this machine and HF_HUB_OFFLINE=1 forbids downloading it; "
            + missing_fix(spec.name)
        )
    return ResolvedModel(spec=spec, path=pull(spec), origin="hub")


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


def conversion(model: ResolvedModel) -> dict | None:
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


def hashes(folder: Path, skip: tuple[str, ...] = ()) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): sha256(path)
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.relative_to(folder).parts[0] not in skip
    }


def convert(model: ResolvedModel, quantization: str = "int8") -> Path:
    """Convert with CTranslate2's own converter, aside, then move into place: a reader never sees
    half a model, and an earlier conversion stays until the new one is complete."""
    if quantization not in QUANTIZATIONS:
        raise ModelError(f"unknown quantization {quantization!r}; use one of {QUANTIZATIONS}")
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
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
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


def located(spec: ModelSpec, model_dir: Path | None) -> ResolvedModel | None:
    """The model as it is on this machine now, or None; never downloads."""
    if model_dir is not None and (model_dir / spec.name / "config.json").is_file():
        return from_model_dir(model_dir / spec.name, spec.name, Lock(spec.name, (spec,)))
    folder = cached(spec)
    return ResolvedModel(spec=spec, path=folder, origin="hf-cache") if folder else None


def verify_present(spec: ModelSpec, model_dir: Path | None) -> list[str]:
    """Lines describing what of this model is here and whether its hashes hold.

    Raises ModelError on the first file whose hash differs from models.lock or from the record
    of its conversion.
    """
    model = located(spec, model_dir)
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


def resolve_commit(spec: ModelSpec) -> str:
    from huggingface_hub import HfApi

    if hub_offline():
        raise ModelError(
            "cannot lock models: HF_HUB_OFFLINE=1 is set; run `digest models lock` on a "
            "connected machine"
        )
    try:
        return HfApi().model_info(spec.hub_id, revision=spec.revision).sha
    except Exception as error:  # any network or Hub failure: one actionable line
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise ModelError(f"cannot reach the Hub for {spec.name} ({reason})") from None


def lock_spec(spec: ModelSpec) -> ModelSpec:
    """Pin a model to the commit its revision names now and record the hashes of its files."""
    commit = resolve_commit(spec)
    folder = pull(replace(spec, revision=commit, files={}))
    return replace(spec, revision=commit, files=hashes(folder))


def write_lock(lock: Lock, path: Path) -> None:
    """models.lock rewritten from ``lock``, its leading comment kept, replaced atomically."""
    old = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    cut = next((i for i, line in enumerate(old) if not line.startswith("#")), len(old))
    lines = [*old[:cut], *([""] if cut else []), f"default = {json.dumps(lock.default)}"]
    for spec in lock.models:
        lines += [
            "",
            f"[models.{spec.name}]",
            f"hub_id = {json.dumps(spec.hub_id)}",
            f"revision = {json.dumps(spec.revision)}",
            f"kind = {json.dumps(spec.kind)}",
            f"source_lang = {json.dumps(spec.source_lang)}",
            f"target_lang = {json.dumps(spec.target_lang)}",
            f"[models.{spec.name}.files]",
            *(f"{json.dumps(name)} = {json.dumps(value)}" for name, value in spec.files.items()),
        ]
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text("\n".join(lines) + "\n", encoding="utf-8")
    temporary.replace(path)


def lock_models(names: list[str], path: Path | None = None) -> Lock:
    """`digest models lock`: pin every named model (all by default) and rewrite models.lock."""
    path = path or bundled("models.lock")
    lock = read_lock(path)
    wanted = set(names) or {spec.name for spec in lock.models}
    for name in wanted:
        lock.get(name)
    pinned = tuple(lock_spec(s) if s.name in wanted else s for s in lock.models)
    updated = Lock(default=lock.default, models=pinned)
    write_lock(updated, path)
    return updated
