"""Which translation model to use, and where its files are.

models.lock names the models and pins their revisions. A model is looked for, in order, in
``--model-dir`` / ``DIGEST_MODEL_DIR``, in the local Hugging Face cache, and on the Hub (never
when ``HF_HUB_OFFLINE=1``). A model that cannot be had is a ModelError that names the fix, raised
before anything slow happens. ``--model-dir`` is a model folder (it has a config.json) or a
folder of model folders named as in models.lock, for every command alike. What is made from a
model (its CTranslate2 conversion) and what is present now live in digest/translate/convert.py
and presence.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from digest import disk
from digest.errors import ModelError, first_line
from digest.resources import bundled

KINDS = ("marian", "nllb")
MODEL_TYPES = {"marian": "marian", "m2m_100": "nllb"}
LANGUAGES = {"marian": ("ar", "en"), "nllb": ("arb_Arab", "eng_Latn")}
MODEL_FILES = ["*.json", "*.spm", "*.model", "*.safetensors"]
FALLBACK_WEIGHTS = "pytorch_model.bin"
COMMIT = re.compile(r"[0-9a-f]{40}")


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
    def repository(self) -> str:
        """The Hub id; only models.lock's models have one (a --model-dir folder has none)."""
        if self.hub_id is None:
            raise ModelError(f"{self.name} is a local model folder, not a model on the Hub")
        return self.hub_id

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


def model_folders(model_dir: Path) -> dict[str, Path]:
    """What ``--model-dir`` holds, by name: the folder itself when it has a config.json (one
    model), else each folder in it that has one (a store of models)."""
    if not model_dir.is_dir():
        raise ModelError(f"--model-dir {model_dir}: no such folder")
    if (model_dir / "config.json").is_file():
        return {model_dir.name: model_dir}
    return {
        child.name: child
        for child in sorted(model_dir.iterdir())
        if (child / "config.json").is_file()
    }


def from_model_dir(model_dir: Path, name: str | None, lock: Lock) -> ResolvedModel:
    """The model ``--model-dir`` means: the folder itself, or the folder named ``name`` (else the
    default of models.lock) in it."""
    folders = model_folders(model_dir)
    if (model_dir / "config.json").is_file():
        folder = model_dir
    else:
        wanted = name or lock.default
        if wanted not in folders:
            which = wanted if name else f"{wanted} (the default)"
            there = ", ".join(folders) if folders else "no model folder (none has a config.json)"
            raise ModelError(
                f"no model {which} in {model_dir}: it holds {there}; pass --model with one of "
                "those names, or point --model-dir at a model folder"
            )
        folder, name = folders[wanted], wanted
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
        folder = Path(
            snapshot_download(spec.repository, revision=spec.revision, local_files_only=True)
        )
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
            info = HfApi().model_info(spec.repository, revision=spec.revision)
            names = [sibling.rfilename for sibling in info.siblings or []]
            safetensors = any(name.endswith(".safetensors") for name in names)
            patterns = MODEL_FILES + ([] if safetensors else [FALLBACK_WEIGHTS])
        folder = Path(
            snapshot_download(spec.repository, revision=spec.revision, allow_patterns=patterns)
        )
    except Exception as error:  # any network or Hub failure: one actionable line, not a traceback
        reason = first_line(error)
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


def hashes(folder: Path, skip: tuple[str, ...] = ()) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): sha256(path)
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.relative_to(folder).parts[0] not in skip
    }


def resolve_commit(spec: ModelSpec) -> str:
    from huggingface_hub import HfApi

    if hub_offline():
        raise ModelError(
            "cannot lock models: HF_HUB_OFFLINE=1 is set; run `digest models lock` on a "
            "connected machine"
        )
    try:
        commit = HfApi().model_info(spec.repository, revision=spec.revision).sha
    except Exception as error:  # any network or Hub failure: one actionable line
        reason = first_line(error)
        raise ModelError(f"cannot reach the Hub for {spec.name} ({reason})") from None
    if commit is None:
        raise ModelError(f"the Hub names no commit for {spec.name} at {spec.revision}")
    return commit


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
    disk.write_file(path, "\n".join(lines) + "\n")


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
