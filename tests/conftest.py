import os

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.pop("DIGEST_MODEL_DIR", None)
os.environ.setdefault("TZ", "UTC")

from pathlib import Path

import pytest

from tests.tiny_models import build_marian, build_nllb

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
GOLDEN = Path(__file__).resolve().parent / "golden"


def pytest_addoption(parser):
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite the golden files from the current output instead of comparing",
    )


@pytest.fixture
def update_golden(request) -> bool:
    return request.config.getoption("--update-golden")


@pytest.fixture(scope="session")
def tiny_marian(tmp_path_factory) -> Path:
    return build_marian(tmp_path_factory.mktemp("models") / "tiny-marian")


@pytest.fixture(scope="session")
def tiny_nllb(tmp_path_factory) -> Path:
    return build_nllb(tmp_path_factory.mktemp("models") / "tiny-nllb")


@pytest.fixture(autouse=True)
def isolated_hf_cache(tmp_path, monkeypatch):
    """No test may see (or fill) the machine's real Hugging Face cache."""
    import huggingface_hub.constants

    cache = tmp_path / "hf-home" / "hub"
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(cache))


@pytest.fixture(autouse=True)
def isolated_state(tmp_path, monkeypatch) -> Path:
    """Each test gets its own SQLite state file (translation cache, deliveries, seen articles)."""
    path = tmp_path / "state" / "digest.sqlite3"
    monkeypatch.setenv("DIGEST_STATE", str(path))
    return path


SHARED_DATA = ROOT.parent / "shared" / "data"
STORIES = Path(__file__).resolve().parent / "fixtures" / "stories"
